using System.Security.Cryptography;
using System.Text;

namespace LspCopilot.Server.Configuration;

/// <summary>
/// The shared secret of a network listener (TCP LSP or a shared worker), from <c>--token-file</c> or
/// <c>$LSPCOPILOT_TOKEN</c>, and its constant-time comparison: one token rule for every port we open.
/// </summary>
public static class AccessToken
{
    public const string EnvironmentVariable = "LSPCOPILOT_TOKEN";

    /// <summary>
    /// The token from <paramref name="tokenFile"/> if given, else from the environment, else null.
    /// False (with a message) when the file cannot be read or holds no usable token.
    /// </summary>
    public static bool TryResolve(string? tokenFile, out string? token, out string? error)
    {
        token = null;
        error = null;
        string? text;
        if (tokenFile is not null)
        {
            try
            {
                text = File.ReadAllText(tokenFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                error = $"Cannot read the token file '{tokenFile}': {ex.Message}";
                return false;
            }

            text = text.Trim();
            if (text.Length == 0)
            {
                error = $"The token file '{tokenFile}' is empty: put a long random secret in it (e.g. openssl rand -hex 32 > {tokenFile}).";
                return false;
            }
        }
        else
        {
            text = Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim();
            if (string.IsNullOrEmpty(text))
            {
                return true;
            }
        }

        if (text.Any(char.IsControl))
        {
            error = "The token must be one line of printable characters.";
            return false;
        }

        token = text;
        return true;
    }

    /// <summary>
    /// A warning when <paramref name="tokenFile"/> is readable by every user of the machine (so any local account can
    /// use the model); null when it is not, on Windows, or when its mode cannot be read.
    /// </summary>
    public static string? PermissionWarning(string? tokenFile)
    {
        if (tokenFile is null || OperatingSystem.IsWindows() || !File.Exists(tokenFile))
        {
            return null;
        }

        try
        {
            var mode = File.GetUnixFileMode(tokenFile);
            if ((mode & UnixFileMode.OtherRead) == 0)
            {
                return null;
            }

            var octal = Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
            return $"The token file '{tokenFile}' is readable by every user of this machine (mode {octal}): anyone logged in can read it and use the model. Run: chmod 600 {tokenFile} (in a container: give the secret mode 0400 and the container's user as owner).";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Compares in time independent of where the texts differ (and of their lengths).</summary>
    public static bool Matches(string? given, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(given ?? string.Empty)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
