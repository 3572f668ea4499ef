using System.Runtime;
using System.Runtime.InteropServices;

namespace Resso.Load.Reporting;

/// <summary>What the numbers were measured on.</summary>
/// <param name="Cores">Logical processors the process may use.</param>
/// <param name="Cpu">The processor model, when the OS says (Linux: /proc/cpuinfo).</param>
/// <param name="Os">The operating system.</param>
/// <param name="Runtime">The .NET runtime.</param>
/// <param name="Architecture">The process architecture.</param>
/// <param name="Gc">The garbage collector's mode in the load generator.</param>
public sealed record MachineInfo(int Cores, string? Cpu, string Os, string Runtime, string Architecture, string Gc)
{
    /// <summary>This machine and process.</summary>
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        CpuModel(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.ProcessArchitecture.ToString(),
        GCSettings.IsServerGC ? "server GC" : "workstation GC");

    /// <summary>One line: <c>2 cores (AMD EPYC 7763), Debian GNU/Linux 12 (bookworm), .NET 10.0.12, X64, workstation GC</c>.</summary>
    public string Describe() => $"{Cores} cores{(Cpu is null ? "" : $" ({Cpu})")}, {Os}, {Runtime}, {Architecture}, {Gc}";

    private static string? CpuModel()
    {
        try
        {
            return File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo")
                    .Where(line => line.StartsWith("model name", StringComparison.Ordinal))
                    .Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
                    .FirstOrDefault()
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
