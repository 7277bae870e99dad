using LspCopilot.Completion;
using LspCopilot.Server;
using LspCopilot.TestSupport;

namespace LspCopilot.Backends.Tests.Lsp;

/// <summary>The real LSP server (in memory) with the engine stack Composition builds for a backend.</summary>
internal static class LspServers
{
    public const string Uri = "file:///work/Program.cs";

    public const string Source = """
        using System;

        public static class Program
        {
            public static void Main()
            {
                var name = "world";
                Console.WriteLine("Hello, " + name);
                
            }
        }
        """;

    /// <summary>A server whose own options name the backend (as the command line does).</summary>
    public static InMemoryServer Start(string kind, string url, int stallSeconds = 2, GenerationOptions? generation = null) =>
        InMemoryServer.Start(modelPath: null, options: TestBackends.Options(kind, url, stallSeconds), generation: generation, loader: Composition.WithModelServers(Composition.InProcess));

    /// <summary>A server with default options: the editor's initializationOptions choose.</summary>
    public static InMemoryServer StartDefault() =>
        InMemoryServer.Start(modelPath: null, loader: Composition.WithModelServers(Composition.InProcess));
}
