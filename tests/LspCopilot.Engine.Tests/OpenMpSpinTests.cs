namespace LspCopilot.Engine.Tests;

public sealed class OpenMpSpinTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] set) =>
        name => set.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Choose_NothingSetOnLinux_OurSpinCount()
    {
        Assert.Equal("10000", OpenMpSpin.Choose(Environment(), linux: true));
        Assert.Equal("10000", OpenMpSpin.Choose(Environment((OpenMpSpin.SpinCountVariable, "")), linux: true));
    }

    [Fact]
    public void Choose_UsersSpinCountOrWaitPolicy_LeftAlone()
    {
        Assert.Null(OpenMpSpin.Choose(Environment((OpenMpSpin.SpinCountVariable, "300000")), linux: true));
        Assert.Null(OpenMpSpin.Choose(Environment((OpenMpSpin.WaitPolicyVariable, "ACTIVE")), linux: true));
    }

    [Fact]
    public void Choose_NotLinux_NothingSet()
    {
        Assert.Null(OpenMpSpin.Choose(Environment(), linux: false));
    }

    [Fact]
    public void Describe_SaysWhoseChoiceItIs()
    {
        Assert.StartsWith("GOMP_SPINCOUNT=10000 (idle threads sleep", OpenMpSpin.Describe(Environment(), linux: true), StringComparison.Ordinal);
        Assert.StartsWith("GOMP_SPINCOUNT=10000 (idle threads sleep", OpenMpSpin.Describe(Environment((OpenMpSpin.SpinCountVariable, "10000")), linux: true), StringComparison.Ordinal);
        Assert.Equal("GOMP_SPINCOUNT=5000 (yours)", OpenMpSpin.Describe(Environment((OpenMpSpin.SpinCountVariable, "5000")), linux: true));
        Assert.Equal("OMP_WAIT_POLICY=PASSIVE (yours)", OpenMpSpin.Describe(Environment((OpenMpSpin.WaitPolicyVariable, "PASSIVE"), (OpenMpSpin.SpinCountVariable, "5")), linux: true));
        Assert.StartsWith("not OpenMP's", OpenMpSpin.Describe(Environment(), linux: false), StringComparison.Ordinal);
    }
}
