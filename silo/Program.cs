using Bulwark.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddBulwarkConfiguration(args);
builder.AddBulwarkSilo();
builder.AddBulwarkStartup();

var app = builder.Build();
app.MapBulwarkHealth();
app.MapBulwarkDashboard();
app.Run();
