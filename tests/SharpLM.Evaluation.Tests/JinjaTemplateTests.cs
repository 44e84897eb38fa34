using SharpLM.Core;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Tests;

public class JinjaTemplateTests
{
    private static readonly Dictionary<string, object?> Arc = new()
    {
        ["question"] = "Which gas do plants absorb?",
        ["choices"] = new Dictionary<string, object?>
        {
            ["text"] = new List<object?> { "Oxygen", "Carbon dioxide", "Helium" },
            ["label"] = new List<object?> { "A", "B", "C" },
        },
        ["answerKey"] = "B",
        ["answer"] = "Half of 144 is 72.\n#### 72",
        ["ctx_a"] = "  padded ",
        ["n"] = 3L,
    };

    [Theory]
    [InlineData("Question: {{question}}\nAnswer:", "Question: Which gas do plants absorb?\nAnswer:")]
    [InlineData("{{choices.label.index(answerKey)}}", "1")]
    [InlineData("{{choices.text}}", "['Oxygen', 'Carbon dioxide', 'Helium']")]
    [InlineData("{{answer.split('####')[-1].strip()}}", "72")]
    [InlineData("{{ctx_a|trim}}!", "padded!")]
    [InlineData("{{ ctx_a | trim | upper }}", "PADDED")]
    [InlineData("{{ ['no', 'yes'] }}", "['no', 'yes']")]
    [InlineData("{{ choices['text'][0] + ' or ' + choices.text[1] }}", "Oxygen or Carbon dioxide")]
    [InlineData("{% if n > 2 %}many{% else %}few{% endif %}", "many")]
    [InlineData("{% for t in choices.text %}{{ loop_free }}{% endfor %}", null)]
    [InlineData("{% for t in choices.text -%}\n - {{ t }}{% endfor %}", "- Oxygen- Carbon dioxide- Helium")]
    [InlineData("{{ n * 2 - 1 }} {{ n // 2 }} {{ choices.text|length }} {{ 'x' if n == 3 else 'y' }}", "5 1 3 x")]
    [InlineData("{{ 'B' in choices.label }} {{ question[:5] }}", "True Which")]
    // The expected strings below (and above) are what jinja2 3.1 prints for the same template and document.
    [InlineData("{{ 7 / 2 }} {{ 1.0 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ [1, 'a', None, True] }}", "3.5 1.0 -4 2 [1, 'a', None, True]")]
    [InlineData("{{ \"it's\" }} {{ ['it\\'s'] }}", "it's [\"it's\"]")]
    [InlineData("{{ choices.text|join(', ') }} {{ answer|replace('72','x') }}", "Oxygen, Carbon dioxide, Helium Half of 144 is x.\n#### x")]
    public void RendersTheSubsetRealTasksUse(string template, string? expected)
    {
        if (expected is null)
        {
            var error = Assert.Throws<SharpLMException>(() => JinjaTemplate.Parse(template).Render(Arc));
            Assert.Contains("loop_free", error.Message);
            return;
        }
        Assert.Equal(expected, JinjaTemplate.Parse(template).Render(Arc));
    }

    [Theory]
    [InlineData("{% macro m() %}x{% endmacro %}", "{% macro %}")]
    [InlineData("{{ question is defined }}", "is")]
    [InlineData("{{ question|wordwrap(10) }}", "|wordwrap")]
    [InlineData("{{ question.title() }}", ".title()")]
    public void ConstructsOutsideTheSubsetAreNamed(string template, string construct)
    {
        var error = Assert.Throws<SharpLMException>(() => JinjaTemplate.Parse(template).Render(Arc));
        Assert.Contains(construct, error.Message);
        Assert.Contains("outside the supported Jinja subset", error.Message);
    }

    [Fact]
    public void LiteralEvalReadsRenderedLists()
    {
        var value = JinjaTemplate.LiteralEval("['it\\'s', \"two\", 3]");
        Assert.Equal(new List<object?> { "it's", "two", 3L }, value);
    }
}
