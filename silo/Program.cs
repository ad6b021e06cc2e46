using Bulwark.Silo.Hosting;

if (SiloCommandLine.WantsHelp(args))
{
    await Console.Out.WriteLineAsync(SiloCommandLine.Usage);
    return 0;
}

try
{
    SiloCommandLine.Check(args);
    // appsettings.json ships next to the silo's assembly; relative paths (data, topology and exercise
    // files) still mean what they mean from the directory the silo was started in.
    var builder = StartupChecks.Builder(() =>
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddBulwarkConfiguration(args);
        return builder;
    });
    StartupChecks.ThrowIfLogLevelsBad(builder.Configuration);
    var options = StartupChecks.Options(builder.Configuration);
    StartupChecks.ThrowIfDataDirectoryUnusable(options);
    var files = StartupChecks.LoadFiles(options);
    StartupChecks.ThrowIfPortsTaken(options);
    builder.AddBulwarkSilo(options);
    builder.AddBulwarkStartup(files);

    var app = builder.Build();
    app.MapBulwarkHealth();
    app.MapBulwarkDashboard();
    await app.RunAsync();
    return 0;
}
catch (StartupException e)
{
    foreach (var detail in e.Details)
    {
        await Console.Error.WriteLineAsync(detail);
    }
    await Console.Error.WriteLineAsync("bulwark-silo: " + e.Message);
    return e.ExitCode;
}
catch (IOException e) when (e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
{
    // Taken between the check and the bind.
    await Console.Error.WriteLineAsync("bulwark-silo: " + e.Message);
    return 1;
}
