using SharpLM.Data.Cleaning;

namespace SharpLM.Data.Tests;

public class BoilerplateLineDetectorTests
{
    private const string Footer = "_______________________________________________\nIIU mailing list\nIIU@iiu.taint.org\nhttp://iiu.taint.org/mailman/listinfo/iiu";

    /// <summary>A source of 200 generated messages; every fourth ends with the list footer (with varying spacing and case).</summary>
    private static List<string> Messages()
    {
        var random = new Random(5);
        string[] words = ["linux", "kernel", "patch", "mail", "server", "config", "build", "error", "fixed", "today", "again", "thanks"];
        var messages = new List<string>();
        for (int i = 0; i < 200; i++)
        {
            var body = string.Join("\n", Enumerable.Range(0, 4).Select(_ => string.Join(' ', Enumerable.Range(0, 8).Select(_ => words[random.Next(words.Length)]))));
            string footer = i % 2 == 0 ? Footer : Footer.Replace("IIU mailing list", "  iiu   MAILING list ");
            messages.Add(i % 4 == 0 ? $"Message {i}\n{body}\n\n{footer}\n" : $"Message {i}\n{body}\nThanks,\n");
        }
        return messages;
    }

    [Fact]
    public void Strips_a_footer_shared_across_documents_and_keeps_unique_lines()
    {
        var messages = Messages();
        var detector = new BoilerplateLineDetector();
        Parallel.ForEach(messages, detector.Observe);
        Assert.Equal(200, detector.Documents);
        detector.Freeze(minDocuments: 10, minFraction: 0.1);
        Assert.Equal(4, detector.BoilerplateLines);

        string stripped = detector.Strip(messages[0], out int removed);
        Assert.Equal(4, removed);
        Assert.DoesNotContain("mailing list", stripped, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("Message 0\n", stripped);
        Assert.Equal(messages[0][..messages[0].IndexOf("\n\n_", StringComparison.Ordinal)], stripped);

        string untouched = detector.Strip(messages[1], out removed);
        Assert.Equal(0, removed);
        Assert.Same(messages[1], untouched); // "Thanks," is too short to be boilerplate, however common
    }

    [Fact]
    public void Merged_detectors_equal_one_that_saw_everything()
    {
        var messages = Messages();
        var whole = new BoilerplateLineDetector();
        var first = new BoilerplateLineDetector();
        var second = new BoilerplateLineDetector();
        for (int i = 0; i < messages.Count; i++)
        {
            whole.Observe(messages[i]);
            (i < 77 ? first : second).Observe(messages[i]);
        }
        first.Merge(second);
        whole.Freeze(20, 0.2);
        first.Freeze(20, 0.2);
        Assert.Equal(whole.BoilerplateLines, first.BoilerplateLines);
        foreach (string message in messages)
            Assert.Equal(whole.Strip(message, out _), first.Strip(message, out _));
    }

    [Fact]
    public void Thresholds_are_respected_and_the_cap_bounds_memory()
    {
        var detector = new BoilerplateLineDetector(maxDistinctLines: 3);
        for (int i = 0; i < 10; i++) detector.Observe($"common line here\nunique line number {i}");
        Assert.True(detector.CapReached);
        Assert.True(detector.DistinctLines <= 3);
        detector.Freeze(minDocuments: 11, minFraction: 0);
        Assert.Equal(0, detector.BoilerplateLines); // seen in 10 documents, 11 required
        Assert.Throws<InvalidOperationException>(() => detector.Observe("late"));
    }
}
