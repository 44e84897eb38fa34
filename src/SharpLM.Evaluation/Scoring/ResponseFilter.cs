using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Scoring;

/// <summary>lm-eval's filter pipelines over a document's generated responses (<c>regex</c>, <c>take_first</c> and the case/space ones).</summary>
public static class ResponseFilter
{
    public static List<string> Apply(FilterConfig filter, IReadOnlyList<string> responses)
    {
        var current = responses.ToList();
        foreach (var step in filter.Steps)
        {
            current = step.Function switch
            {
                "take_first" => current.Take(1).ToList(),
                "lowercase" => current.Select(r => r.ToLowerInvariant()).ToList(),
                "uppercase" => current.Select(r => r.ToUpperInvariant()).ToList(),
                "remove_whitespace" => current.Select(r => r.TrimStart()).ToList(),
                _ => current.Select(r => Regex(r, step)).ToList(),
            };
        }
        return current;
    }

    /// <summary>
    /// Python's <c>re.findall</c> then <c>group_select</c> (negative counts from the end): with several groups the
    /// first non-empty one of the chosen match; stripped; the fallback when nothing matches.
    /// </summary>
    public static string Regex(string response, FilterStep step)
    {
        var regex = PythonRegex.Create(step.Pattern ?? @"#### (\-?[0-9\.\,]+)");
        var matches = regex.Matches(response);
        if (matches.Count == 0) return step.Fallback;
        int index = step.GroupSelect < 0 ? matches.Count + step.GroupSelect : step.GroupSelect;
        if (index < 0 || index >= matches.Count) return step.Fallback;
        var match = matches[index];
        int groups = regex.GetGroupNumbers().Length - 1;
        string value;
        if (groups == 0) value = match.Value;
        else if (groups == 1) value = match.Groups[1].Value;
        else
        {
            var found = Enumerable.Range(1, groups).Select(g => match.Groups[g].Value).FirstOrDefault(v => v.Length > 0);
            if (found is null) return step.Fallback;
            value = found;
        }
        return value.Trim();
    }
}
