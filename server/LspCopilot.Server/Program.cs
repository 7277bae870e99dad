using LspCopilot.Server.Cli;

return await CliApp.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
