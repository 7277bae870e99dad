using System.Diagnostics;
using System.Net.Sockets;
using System.Net;
using LspCopilot.Completion;

namespace LspCopilot.TestSupport;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 with a throwaway config, host key and user key, for testing the
/// recommended remote setup (<c>ssh box -- lspcopilot --stdio</c>). Never binds anything but loopback.
/// </summary>
public sealed class ThrowawaySshd : IDisposable
{
    private const string Sshd = "/usr/sbin/sshd";
    private readonly string _folder;
    private readonly Process _daemon;

    private ThrowawaySshd(string folder, int port, Process daemon)
    {
        _folder = folder;
        Port = port;
        _daemon = daemon;
    }

    public int Port { get; }

    public string UserKey => Path.Combine(_folder, "user_key");

    /// <summary>Starts sshd, or skips the calling test saying what is missing.</summary>
    public static async Task<ThrowawaySshd> StartAsync()
    {
        Assert.SkipUnless(File.Exists(Sshd) && File.Exists("/usr/bin/ssh") && File.Exists("/usr/bin/ssh-keygen"), "OpenSSH server/client not installed (apt-get install openssh-server openssh-client); .ci/test.sh installs them.");
        var folder = Directory.CreateTempSubdirectory("lspcopilot-sshd-").FullName;
        await RunAsync("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(folder, "host_key"));
        await RunAsync("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(folder, "user_key"));
        File.Copy(Path.Combine(folder, "user_key.pub"), Path.Combine(folder, "authorized_keys"));
        Directory.CreateDirectory("/run/sshd");

        var port = FreePort();
        var config = Path.Combine(folder, "sshd_config");
        await File.WriteAllLinesAsync(config,
        [
            $"Port {port}",
            "ListenAddress 127.0.0.1",
            $"HostKey {Path.Combine(folder, "host_key")}",
            $"AuthorizedKeysFile {Path.Combine(folder, "authorized_keys")}",
            $"PidFile {Path.Combine(folder, "sshd.pid")}",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "StrictModes no",
            "UsePAM no",
            "PermitRootLogin yes",
            "AllowTcpForwarding no",
            "X11Forwarding no",
        ]);

        var daemon = Process.Start(new ProcessStartInfo(Sshd)
        {
            ArgumentList = { "-D", "-f", config, "-E", Path.Combine(folder, "sshd.log") },
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;

        var sshd = new ThrowawaySshd(folder, port, daemon);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (daemon.HasExited)
            {
                var log = File.Exists(Path.Combine(folder, "sshd.log")) ? await File.ReadAllTextAsync(Path.Combine(folder, "sshd.log")) : string.Empty;
                sshd.Dispose();
                Assert.Skip($"sshd could not start here (exit {daemon.ExitCode}): {log.Trim()}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return sshd;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        sshd.Dispose();
        throw new InvalidOperationException("sshd did not start listening.");
    }

    /// <summary>The ssh client command line that runs <paramref name="remote"/> on this server.</summary>
    public ProcessStartInfo Ssh(params string[] remote)
    {
        var info = new ProcessStartInfo("/usr/bin/ssh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-i", UserKey, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", $"{Environment.UserName}@127.0.0.1", "--" })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var argument in remote)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} failed: {await process.StandardError.ReadToEndAsync()}");
    }

    public void Dispose()
    {
        if (!_daemon.HasExited)
        {
            _daemon.Kill(entireProcessTree: true);
            _daemon.WaitForExit();
        }

        _daemon.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
