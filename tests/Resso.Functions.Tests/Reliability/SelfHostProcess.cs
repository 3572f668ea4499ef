using System.Diagnostics;
using System.Text;

namespace Resso.Functions.Tests.Reliability;

/// <summary>The self-host as a separate process (the built dll next to the tests), so that it can be killed for real.</summary>
internal sealed class SelfHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SelfHostProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts it on a free port against the given storage and prefix, with an eight-second message lease.</summary>
    public static SelfHostProcess Start(string connectionString, string prefix)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Resso.Functions.SelfHost.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["AzureWebJobsStorage"] = connectionString;
        info.Environment["Resso__Storage__Prefix"] = prefix;
        info.Environment["Resso__SelfHost__MessageLease"] = "00:00:08";
        return new SelfHostProcess(Process.Start(info)!);
    }

    /// <summary>SIGKILL: no shutdown, no flush, no release of the messages it holds.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
