using LspCopilot.Server.Configuration;
using LspCopilot.Server.Hosting;

namespace LspCopilot.Server.Cli;

/// <summary>doctor's deployment checks: <c>--require-gpu</c> and <c>--token-file</c>, laid over a finished report.</summary>
public static class DeploymentChecks
{
    public static DoctorReport Apply(DoctorReport report, bool requireGpu, string? tokenFile)
    {
        if (requireGpu)
        {
            report = report with { GpuRequired = true, GpuProblem = GpuRequirement.Problem(report.Native, report.Gpus) };
        }

        if (tokenFile is not null)
        {
            var error = AccessToken.TryResolve(tokenFile, out _, out var problem) ? null : problem;
            report = report with { TokenFile = tokenFile, TokenError = error, TokenWarning = error is null ? AccessToken.PermissionWarning(tokenFile) : null };
        }

        return report;
    }
}
