using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Resso.Functions.Tests.Reliability;

/// <summary>The self-host as a separate process (the built dll next to the tests), so that it can be killed for real.</summary>
internal sealed partial class SelfHostProcess : IDisposable
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

    /// <summary>
    /// Starts it on a free port against the given storage and prefix, with an eight-second message
    /// lease, in Development unless <paramref name="environment"/> says otherwise; its variables
    /// override the defaults.
    /// </summary>
    public static SelfHostProcess Start(string connectionString, string prefix, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Resso.Functions.SelfHost.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["AzureWebJobsStorage"] = connectionString;
        info.Environment["Resso__Storage__Prefix"] = prefix;
        info.Environment["Resso__SelfHost__MessageLease"] = "00:00:08";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return new SelfHostProcess(Process.Start(info)!);
    }

    /// <summary>The address it listens on, once its start-up report says so; fails with its output if it exits or takes over a minute.</summary>
    public async Task<Uri> WaitForAddressAsync()
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            if (ListeningOn().Match(Output) is { Success: true } match)
            {
                return new Uri(match.Groups[1].Value);
            }

            Assert.False(HasExited, "the self-host exited:\n" + Output);
            await Task.Delay(100);
        }

        Assert.Fail("the self-host did not report its address within a minute:\n" + Output);
        return null!;
    }

    [GeneratedRegex(@"Resso self-host listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();

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
