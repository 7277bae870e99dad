using System.Diagnostics;
using System.Text.Json;
using LspCopilot.Server.Stats;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Editors;

/// <summary>
/// A real Neovim (Debian's 0.7.2 in CI: no inline completion, so the fallback) drives the built server through its
/// built-in LSP client: it opens a C# file, types into it, asks textDocument/completion, applies the item's edit and
/// reports the buffer. Skips with a message when nvim is not installed (.ci/test.sh installs it).
/// </summary>
public sealed class NeovimEndToEndTests
{
    private const string Program = """
        using System;

        public static class Program
        {
            public static void Main()
            {
                var name = "world";

            }
        }
        """;

    /// <summary>The Lua the test runs in nvim: the config of docs/editors/neovim.md (fallback), then the typing and the checks.</summary>
    private const string Script = """
        local out = os.getenv('LSPCOPILOT_NVIM_OUT')
        local function finish(result)
          local f = assert(io.open(out, 'w'))
          f:write(vim.fn.json_encode(result))
          f:close()
          vim.cmd('qall!')
        end

        local ok, err = pcall(function()
          vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('LSPCOPILOT_NVIM_FILE')))
          vim.bo.filetype = 'cs'
          local bufnr = vim.api.nvim_get_current_buf()
          local ready = false
          local client_id = vim.lsp.start_client({
            name = 'lspcopilot',
            cmd = { 'dotnet', os.getenv('LSPCOPILOT_NVIM_SERVER'), '--stdio', '--model', os.getenv('LSPCOPILOT_NVIM_MODEL') },
            root_dir = vim.fn.fnamemodify(os.getenv('LSPCOPILOT_NVIM_FILE'), ':h'),
            get_language_id = function() return 'csharp' end,
            flags = { debounce_text_changes = 0 },
            on_init = function() ready = true end,
          })
          vim.lsp.buf_attach_client(bufnr, client_id)
          assert(vim.wait(60000, function() return ready end, 20), 'the server did not answer initialize')

          -- Type on the empty line 8 of Main, as a user would (insert mode, one key at a time).
          vim.api.nvim_win_set_cursor(0, { 8, 0 })
          vim.api.nvim_feedkeys('A        Console.WriteLine(name', 'xt', false)
          local row = 7
          local typed = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, true)[1]

          local params = {
            textDocument = { uri = vim.uri_from_bufnr(bufnr) },
            position = { line = row, character = #typed },
          }
          local responses, request_err = vim.lsp.buf_request_sync(bufnr, 'textDocument/completion', params, 120000)
          assert(responses, 'no answer to textDocument/completion: ' .. tostring(request_err))
          local response = responses[client_id]
          assert(response and not response.err, 'textDocument/completion failed: ' .. vim.inspect(response))
          local items = response.result.items or response.result
          assert(#items > 0, 'textDocument/completion answered no item')
          local item = items[1]
          vim.lsp.util.apply_text_edits({ item.textEdit }, bufnr, 'utf-16')

          local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
          vim.lsp.stop_client(client_id)
          vim.wait(10000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
          finish({ ok = true, typed = typed, newText = item.textEdit.newText, label = item.label, lines = lines, version = tostring(vim.version().major) .. '.' .. tostring(vim.version().minor) })
        end)
        if not ok then
          finish({ ok = false, error = tostring(err) })
        end
        """;

    [Fact]
    public async Task Neovim_BuiltInClient_TypesReceivesTheSuggestionAndAppliesIt()
    {
        var nvim = FindOnPath("nvim");
        Assert.SkipWhen(nvim is null, "nvim not found on PATH: install Neovim (apt-get install neovim; .ci/test.sh does) to run the Neovim end-to-end test.");
        var model = TestModels.Require(TestModels.Fim);
        Assert.True(File.Exists(RepoPaths.ServerDll), $"Build the server first: {RepoPaths.ServerDll} is missing.");

        using var work = new TempFolder();
        var file = work.File("Program.cs");
        await File.WriteAllTextAsync(file, Program.Replace("\r\n", "\n", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var script = work.File("e2e.lua");
        await File.WriteAllTextAsync(script, Script, TestContext.Current.CancellationToken);
        var output = work.File("result.json");
        var state = Directory.CreateDirectory(Path.Combine(work.Path, "state")).FullName;

        var info = new ProcessStartInfo(nvim!) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--headless", "--clean", "-n", "-c", "luafile " + script })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["LSPCOPILOT_NVIM_OUT"] = output;
        info.Environment["LSPCOPILOT_NVIM_FILE"] = file;
        info.Environment["LSPCOPILOT_NVIM_SERVER"] = RepoPaths.ServerDll;
        info.Environment["LSPCOPILOT_NVIM_MODEL"] = model;
        info.Environment["XDG_STATE_HOME"] = state; // the server's statistics, and nvim's own state, stay in the test's folder
        info.Environment.Remove("LSPCOPILOT_MODEL");

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("nvim did not finish within 4 minutes; stderr: " + await stderr);
        }

        Assert.True(File.Exists(output), $"nvim wrote no result (exit {process.ExitCode}); stdout: {await stdout}; stderr: {await stderr}");
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
        var root = result.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean(), "nvim: " + (root.TryGetProperty("error", out var error) ? error.GetString() : "failed"));

        var typed = root.GetProperty("typed").GetString()!;
        var newText = root.GetProperty("newText").GetString()!;
        Assert.Equal("        Console.WriteLine(name", typed);
        Assert.False(string.IsNullOrWhiteSpace(newText));
        var buffer = string.Join('\n', root.GetProperty("lines").EnumerateArray().Select(l => l.GetString()));
        var expected = Program.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("var name = \"world\";\n\n", "var name = \"world\";\n" + typed + newText + "\n", StringComparison.Ordinal);
        Assert.Equal(expected, buffer); // the suggestion was inserted at the cursor, the rest of the file untouched

        // Neovim 0.7 has no acceptance events: the statistics recorded the suggestion, and say so rather than 0%.
        var events = new StatsStore(Path.Combine(state, "lspcopilot")).ReadAll(out _);
        var served = Assert.Single(events);
        Assert.Equal(StatsKinds.Served, served.Kind);
        Assert.Equal("Neovim", served.Editor);
        Assert.Equal("csharp", served.Language);
        var neovim = Assert.Single(StatsSummary.Compute(events, null).Editors);
        Assert.True(neovim.NoData);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
