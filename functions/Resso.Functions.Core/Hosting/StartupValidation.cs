using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Telemetry;
using Resso.Shared.Configuration;

namespace Resso.Functions.Core.Hosting;

/// <summary>
/// Checks every setting before a host starts, so that one start reports every invalid setting,
/// one line each, instead of the host's start-up trace of the first. A host calls
/// <see cref="CollectConfigurationProblems"/> first, composes (the checks of the composition record
/// their <see cref="RessoConfigurationException"/> rather than throw it), and ends with
/// <see cref="ThrowIfInvalid"/>, which validates every options type as <c>ValidateOnStart</c> would,
/// but collecting all failures, before the host's own container is built.
/// </summary>
public static class StartupValidation
{
    /// <summary>
    /// From now on, <see cref="CheckSettings"/> in this builder's composition records configuration
    /// problems for <see cref="ThrowIfInvalid"/> instead of throwing them.
    /// </summary>
    /// <returns>The builder's problems, to which the host may add its own.</returns>
    public static ConfigurationProblems CollectConfigurationProblems(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (Problems(builder) is { } problems)
        {
            return problems;
        }

        problems = new ConfigurationProblems();
        builder.Properties[typeof(ConfigurationProblems)] = problems;
        return problems;
    }

    /// <summary>
    /// Runs a step of the composition that checks settings. When the host collects problems
    /// (<see cref="CollectConfigurationProblems"/>), a <see cref="RessoConfigurationException"/> is
    /// recorded and the composition goes on; otherwise it propagates, as before.
    /// </summary>
    /// <exception cref="RessoConfigurationException">The step found a bad setting and the host does not collect problems.</exception>
    public static void CheckSettings(this IHostApplicationBuilder builder, Action step)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(step);
        if (Problems(builder) is { } problems)
        {
            problems.Check(step);
        }
        else
        {
            step();
        }
    }

    /// <summary>
    /// Validates every options type of the app (binding included: a value that does not convert is
    /// a problem of its setting) and the settings read lazily, runs <paramref name="hostChecks"/>,
    /// and throws everything found, the composition's problems included. Runs on a container of its
    /// own, built from the registrations and disposed afterwards, so that the host's container is
    /// built only once the configuration is valid and nothing starts on a bad one.
    /// </summary>
    /// <param name="builder">The builder, composed.</param>
    /// <param name="hostChecks">The host's own checks, given that container (for example the timers' schedules).</param>
    /// <exception cref="InvalidSettingsException">At least one setting is invalid.</exception>
    public static void ThrowIfInvalid(this IHostApplicationBuilder builder, Action<IServiceProvider, ConfigurationProblems>? hostChecks = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var problems = builder.CollectConfigurationProblems();
        problems.Check(() => RessoOpenTelemetryExtensions.TraceSampleRatio(builder.Configuration));
        var services = builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = false });
        try
        {
            foreach (var type in OptionsTypes(builder.Services))
            {
                Validate(services, type, problems);
            }

            if (hostChecks is not null)
            {
                try
                {
                    hostChecks(services, problems);
                }
                catch (Exception) when (!problems.IsEmpty)
                {
                    // A check that cannot run because of a problem already found (a registration skipped): that problem is reported.
                }
            }
        }
        finally
        {
            services.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        problems.ThrowIfAny();
    }

    /// <summary>Logs each problem at Critical, without a stack trace, so that it reaches the host's log as the lines on standard error do.</summary>
    public static void LogProblems(ILogger logger, InvalidSettingsException exception)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(exception);
        foreach (var problem in exception.Problems)
        {
            Log.InvalidSetting(logger, problem.Setting, problem.Problem);
        }
    }

    private static ConfigurationProblems? Problems(IHostApplicationBuilder builder) =>
        builder.Properties.TryGetValue(typeof(ConfigurationProblems), out var value) ? value as ConfigurationProblems : null;

    /// <summary>The app's options types: those bound from configuration or validated.</summary>
    private static IEnumerable<Type> OptionsTypes(IServiceCollection services) =>
        services.Select(d => d.ServiceType)
            .Where(t => t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(IConfigureOptions<>) || t.GetGenericTypeDefinition() == typeof(IValidateOptions<>)))
            .Select(t => t.GetGenericArguments()[0])
            .Where(t => t.Namespace?.StartsWith("Resso.", StringComparison.Ordinal) == true)
            .Distinct();

    private static void Validate(IServiceProvider services, Type type, ConfigurationProblems problems)
    {
        var section = type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string ?? type.Name;
        var factoryType = typeof(IOptionsFactory<>).MakeGenericType(type);
        try
        {
            factoryType.GetMethod(nameof(IOptionsFactory<object>.Create))!.Invoke(services.GetRequiredService(factoryType), [Options.DefaultName]);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
        {
            switch (inner)
            {
                case OptionsValidationException failed when failed.OptionsType == type:
                    problems.Add(failed, section);
                    break;
                case OptionsValidationException:
                    break; // a validator's dependency on other options that failed: reported as theirs
                case RessoConfigurationException problem:
                    problems.Add(problem);
                    break;
                case InvalidOperationException binding when problems.TryAddBindingFailure(binding):
                    break;
                default:
                    if (problems.IsEmpty)
                    {
                        ExceptionDispatchInfo.Capture(inner).Throw();
                    }

                    break;
            }
        }
    }
}
