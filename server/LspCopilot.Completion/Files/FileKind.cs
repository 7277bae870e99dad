using System.Runtime.InteropServices;

namespace LspCopilot.Completion;

/// <summary>What a path names on disk, symbolic links followed.</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    NamedPipe,
    CharacterDevice,
    BlockDevice,
    Socket,

    /// <summary>Exists, but its type could not be told (no stat on this platform) and it is empty.</summary>
    Unknown,
}

/// <summary>
/// Tells regular files from named pipes, devices and sockets before anything opens them: opening a
/// FIFO blocks until a writer appears and a device may never end, and .NET's <see cref="FileInfo"/>
/// reports all of them as ordinary files. On Unix this asks stat(2) through the runtime's own
/// native shim (libSystem.Native, which every .NET on Unix carries and whose file status starts
/// with the flags and the normalized mode on every platform).
/// </summary>
public static partial class FileKinds
{
    private const int TypeMask = 0xF000;
    private static bool s_statMissing;

    /// <summary>The kind of file at <paramref name="path"/>, following symbolic links.</summary>
    public static FileKind Of(string path)
    {
        if (!OperatingSystem.IsWindows() && !s_statMissing)
        {
            try
            {
                return Stat(path, out var status) != 0 ? FileKind.Missing : KindOf(status.Mode);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                s_statMissing = true;
            }
        }

        if (Directory.Exists(path))
        {
            return FileKind.Directory;
        }

        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return FileKind.Missing;
        }

        // Without stat a pipe or device looks like an empty file: an empty file has nothing to read anyway.
        return OperatingSystem.IsWindows() || info.Length > 0 ? FileKind.Regular : FileKind.Unknown;
    }

    /// <summary>True only for a regular file (after links): the one kind that is safe to open and read to its end.</summary>
    public static bool IsRegularFile(string path) => Of(path) == FileKind.Regular;

    /// <summary>The kind in words, for messages ("a named pipe (FIFO)").</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.NamedPipe => "a named pipe (FIFO)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };

    private static FileKind KindOf(int mode) => (mode & TypeMask) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0x1000 => FileKind.NamedPipe,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0xC000 => FileKind.Socket,
        _ => FileKind.Unknown,
    };

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, out FileStatus status);

    /// <summary>The head of the shim's FileStatus; the size leaves room for the fields after it.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
    }
}
