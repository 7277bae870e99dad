using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LspCopilot.Server.Benchmarks.ContextQuality;

/// <summary>Needed names of one kind and how many the prompt and the plain window carried.</summary>
public sealed record KindRecall(
    [property: JsonPropertyName("needed")] int Needed,
    [property: JsonPropertyName("in_prompt")] int InPrompt,
    [property: JsonPropertyName("in_baseline")] int InBaseline);

/// <summary>The figures of one run of <c>bench --suite context-quality</c>; recalls are deterministic, times are not.</summary>
public sealed record ContextQualityReport
{
    public const double RecallTarget = 0.85;
    public const double GainTarget = 0.15;
    public const double UnseenTarget = 0.5;
    public const double ContextMsTarget = 20;

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    [JsonPropertyName("declaration_recall")]
    public double DeclarationRecall { get; init; }

    [JsonPropertyName("all_present_rate")]
    public double AllPresentRate { get; init; }

    [JsonPropertyName("baseline_recall")]
    public double BaselineRecall { get; init; }

    [JsonPropertyName("baseline_all_present_rate")]
    public double BaselineAllPresentRate { get; init; }

    [JsonPropertyName("recall_gain")]
    public double RecallGain => Math.Round(DeclarationRecall - BaselineRecall, 4);

    [JsonPropertyName("unseen_recall")]
    public double UnseenRecall { get; init; }

    [JsonPropertyName("statements")]
    public int Statements { get; init; }

    /// <summary>Statements in the corpus's member bodies, the population the sample is drawn from.</summary>
    [JsonPropertyName("candidate_statements")]
    public int CandidateStatements { get; init; }

    /// <summary>Statements whose removed text needs at least one name from another file (the rates are over these).</summary>
    [JsonPropertyName("statements_with_needed_names")]
    public int StatementsWithNeededNames { get; init; }

    [JsonPropertyName("needed_names")]
    public int NeededNames { get; init; }

    [JsonPropertyName("unseen_names")]
    public int UnseenNames { get; init; }

    /// <summary>Statements where the gate declined to complete (no prompt; left out of the rates).</summary>
    [JsonPropertyName("gate_declined")]
    public int GateDeclined { get; init; }

    [JsonPropertyName("context_ms_p50")]
    public double ContextMsP50 { get; init; }

    [JsonPropertyName("context_ms_p95")]
    public double ContextMsP95 { get; init; }

    /// <summary>The process's CPU time per context build (median): steadier than the wall clock when other work shares the cores.</summary>
    [JsonPropertyName("context_cpu_ms_p50")]
    public double ContextCpuMsP50 { get; init; }

    [JsonPropertyName("context_tokens_avg")]
    public double ContextTokensAvg { get; init; }

    [JsonPropertyName("budget_tokens")]
    public int BudgetTokens { get; init; }

    [JsonPropertyName("chars_per_token")]
    public double CharsPerToken { get; init; }

    /// <summary>Average prompt length without the FIM markers; the plain window gets the same length.</summary>
    [JsonPropertyName("prompt_chars_avg")]
    public double PromptCharsAvg { get; init; }

    [JsonPropertyName("seed")]
    public int Seed { get; init; }

    [JsonPropertyName("projects")]
    public IReadOnlyList<string> Projects { get; init; } = [];

    /// <summary>Compile errors in the unmodified corpus (should be 0: the needed names come from its semantic model).</summary>
    [JsonPropertyName("corpus_compile_errors")]
    public int CorpusCompileErrors { get; init; }

    [JsonPropertyName("by_kind")]
    public IReadOnlyDictionary<string, KindRecall> ByKind { get; init; } = new Dictionary<string, KindRecall>();

    /// <summary>Each needed name the prompt lacked: <c>project/file:line name (kind)</c>.</summary>
    [JsonPropertyName("misses")]
    public IReadOnlyList<string> Misses { get; init; } = [];

    [JsonPropertyName("targets_met")]
    public IReadOnlyDictionary<string, bool> TargetsMet => new Dictionary<string, bool>
    {
        ["declaration_recall_at_least_0.85"] = DeclarationRecall >= RecallTarget,
        ["recall_gain_at_least_0.15"] = RecallGain >= GainTarget,
        ["unseen_recall_at_least_0.5"] = UnseenRecall >= UnseenTarget,
        ["context_ms_p50_at_most_20"] = ContextMsP50 <= ContextMsTarget,
    };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"context quality: {Statements} of {CandidateStatements} statements (seed {Seed}) from {string.Join(", ", Projects)}; {StatementsWithNeededNames} need {NeededNames} names from other files ({UnseenNames} appear nowhere else in their file)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"budget {BudgetTokens} tokens at {CharsPerToken:0.##} chars/token; context used {ContextTokensAvg:F0} on average; prompt {PromptCharsAvg:F0} chars on average");
        sb.AppendLine(new string('-', 78));
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"",-34} {"prompt",16} {"plain window",16}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"needed names present (recall)",-34} {DeclarationRecall,16:F2} {BaselineRecall,16:F2}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"statements with all present",-34} {AllPresentRate,16:F2} {BaselineAllPresentRate,16:F2}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"names nowhere else in the file",-34} {UnseenRecall,16:F2} {0.0,16:F2}");
        foreach (var (kind, recall) in ByKind)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{"  " + kind,-34} {Ratio(recall.InPrompt, recall.Needed),16} {Ratio(recall.InBaseline, recall.Needed),16}");
        }

        sb.AppendLine(new string('-', 78));
        sb.AppendLine(CultureInfo.InvariantCulture, $"recall gain over the plain window: {RecallGain:+0.00;-0.00;0.00}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"context time per statement: p50 {ContextMsP50:F1} ms, p95 {ContextMsP95:F1} ms, CPU p50 {ContextCpuMsP50:F1} ms (after warm-up; wall clock is noisy on a busy machine)");
        if (GateDeclined > 0 || CorpusCompileErrors > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"gate declined {GateDeclined} statement(s); corpus compile errors: {CorpusCompileErrors}");
        }

        sb.AppendLine("targets (issue 15):");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  {Mark(DeclarationRecall >= RecallTarget)} declaration_recall {DeclarationRecall:F2} >= {RecallTarget:F2}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  {Mark(RecallGain >= GainTarget)} declaration_recall - baseline_recall {RecallGain:F2} >= {GainTarget:F2}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  {Mark(UnseenRecall >= UnseenTarget)} unseen_recall {UnseenRecall:F2} >= {UnseenTarget:F2}");
        sb.Append(CultureInfo.InvariantCulture, $"  {Mark(ContextMsP50 <= ContextMsTarget)} context_ms_p50 {ContextMsP50:F1} <= {ContextMsTarget:F0}");
        return sb.ToString();
    }

    private static string Mark(bool met) => met ? "[pass]" : "[FAIL]";

    private static string Ratio(int part, int whole) =>
        whole == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{(double)part / whole:F2} ({part}/{whole})");
}
