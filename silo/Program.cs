using Bulwark.Silo.Hosting;

// appsettings.json ships next to the silo's assembly; relative paths (data, topology and exercise
// files) still mean what they mean from the directory the silo was started in.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddBulwarkConfiguration(args);
builder.AddBulwarkSilo();
builder.AddBulwarkStartup();

var app = builder.Build();
app.MapBulwarkHealth();
app.MapBulwarkDashboard();
app.Run();
