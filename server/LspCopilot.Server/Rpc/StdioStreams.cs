using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LspCopilot.Server.Rpc;

/// <summary>
/// The process's stdin/stdout as streams reserved for LSP frames. On Unix, file descriptor 1 is
/// then pointed at stderr, so anything native code prints cannot corrupt the framing.
/// </summary>
internal static partial class StdioStreams
{
    public static (Stream Input, Stream Output) Acquire()
    {
        var input = Console.OpenStandardInput();
        Stream output;
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            // F_DUPFD_CLOEXEC: child processes (the inference worker) must not inherit the LSP output.
            var duplicate = OperatingSystem.IsLinux() ? Fcntl(1, FDupFdCloexec, 3) : Dup(1);
            if (duplicate >= 0 && Dup2(2, 1) >= 0)
            {
                output = new FileStream(new SafeFileHandle(duplicate, ownsHandle: true), FileAccess.Write, bufferSize: 1);
            }
            else
            {
                output = Console.OpenStandardOutput();
            }
        }
        else
        {
            output = Console.OpenStandardOutput();
        }

        // Managed writes to Console.Out go to stderr too.
        Console.SetOut(Console.Error);
        return (input, output);
    }

    private const int FDupFdCloexec = 1030;

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);
}
