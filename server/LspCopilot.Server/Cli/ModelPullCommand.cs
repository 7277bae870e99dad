using System.CommandLine;
using LspCopilot.Engine.Models;

namespace LspCopilot.Server.Cli;

/// <summary>
/// <c>lspcopilot model pull REPO FILE</c>: download a GGUF from a Hugging Face style hub into the
/// model cache, resumably, verified, renamed into place only when complete. Without arguments it
/// pulls the default model. Prints the model's path on stdout when done.
/// </summary>
public static class ModelPullCommand
{
    public static Command Create(Option<string?> cacheDir)
    {
        var repo = new Argument<string?>("repo") { Description = $"Repository as OWNER/NAME (default {ModelDefaults.Repository}).", Arity = ArgumentArity.ZeroOrOne };
        var file = new Argument<string?>("file") { Description = $"File inside the repository (default {ModelDefaults.File}).", Arity = ArgumentArity.ZeroOrOne };
        var endpoint = new Option<string?>("--endpoint") { Description = $"Hub URL (else $HF_ENDPOINT, else {ModelReference.PublicHub})." };
        var revision = new Option<string?>("--revision") { Description = "Branch, tag or commit (default main)." };
        var sha256 = new Option<string?>("--sha256") { Description = "Expected SHA-256 of the file; else the hub's own checksum is used when it sends one." };
        var retries = new Option<int?>("--retries") { Description = "Times to resume after an interrupted transfer (default 3)." };
        sha256.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } v && (v.Trim().Length != 64 || !v.Trim().All(Uri.IsHexDigit)))
            {
                r.AddError($"--sha256 '{v}' is not a SHA-256: it must be 64 hexadecimal digits.");
            }
        });
        var command = new Command("pull", "Download a GGUF model into the model cache (resumable, checksum-verified).") { repo, file, endpoint, revision, sha256, retries, cacheDir };
        command.SetAction(async (parse, ct) =>
        {
            var request = new PullRequest(parse.GetValue(repo), parse.GetValue(file), parse.GetValue(endpoint), parse.GetValue(revision), parse.GetValue(sha256), parse.GetValue(cacheDir), parse.GetValue(retries) ?? 3);
            using var http = ModelDownloader.CreateHttpClient();
            return await RunAsync(request, http, ModelPullProgress.IsInteractive, Console.Out, Console.Error, ct).ConfigureAwait(false);
        });
        return command;
    }

    public sealed record PullRequest(string? Repository, string? File, string? Endpoint, string? Revision, string? Sha256, string? CacheDir, int Retries = 3)
    {
        public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    }

    public static async Task<int> RunAsync(PullRequest pull, HttpClient http, bool interactive, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ModelReference reference;
        Uri endpoint;
        ModelCache cache;
        string target;
        try
        {
            if ((pull.Repository is null) != (pull.File is null))
            {
                throw new ArgumentException("Give both REPO and FILE (as listed on the hub), or neither to pull the default model.");
            }

            reference = pull.Repository is null ? ModelDefaults.Reference with { Revision = pull.Revision ?? "main" } : ModelReference.Parse(pull.Repository, pull.File!, pull.Revision);
            endpoint = ModelReference.ResolveEndpoint(pull.Endpoint);
            cache = ModelCache.Resolve(pull.CacheDir);
            target = cache.PathFor(reference);
        }
        catch (ArgumentException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

        var isDefault = reference.Repository == ModelDefaults.Repository && reference.File == ModelDefaults.File;
        var request = new DownloadRequest(reference.DownloadUrl(endpoint), target)
        {
            ExpectedSha256 = pull.Sha256?.Trim(),
            KnownSha256 = isDefault ? ModelDefaults.Sha256 : null,
            BearerToken = Environment.GetEnvironmentVariable("HF_TOKEN"),
            Retries = Math.Max(0, pull.Retries),
            RetryDelay = pull.RetryDelay,
        };

        await stderr.WriteLineAsync($"Pulling {reference} from {endpoint.Host} into {cache.Root}").ConfigureAwait(false);
        var downloader = new ModelDownloader(http);
        DownloadResult result;
        try
        {
            result = await ModelPullProgress.RunAsync(reference.FileSegments[^1], interactive, stderr, progress => downloader.DownloadAsync(request, progress, cancellationToken)).ConfigureAwait(false);
        }
        catch (DownloadException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("Stopped. What was downloaded is kept: run the same command again to resume.").ConfigureAwait(false);
            return 130;
        }

        if (result.AlreadyPresent)
        {
            await stderr.WriteLineAsync("Already in the cache (delete the file to download it again).").ConfigureAwait(false);
        }
        else if (result.VerifiedWith is { } source)
        {
            await stderr.WriteLineAsync($"Verified: SHA-256 {result.Sha256} matches {source}{(result.ResumedFrom > 0 ? $" (resumed at {ByteUnits.Format(result.ResumedFrom)})" : string.Empty)}.").ConfigureAwait(false);
        }
        else
        {
            await stderr.WriteLineAsync($"warning: the server sent no SHA-256, so the file is not verified. Its SHA-256 is {result.Sha256}; pass --sha256 to check against a known value.").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync(result.Path).ConfigureAwait(false);
        return 0;
    }
}
