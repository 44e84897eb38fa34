using SharpLM.Retrieval.Answering;
using SharpLM.Retrieval.Store;

namespace SharpLM.Retrieval.Tests;

public class CitationCheckerTests
{
    private const string Speech = "The tariff protects our iron works. The navy launched six frigates this year.";

    private static readonly List<NumberedChunk> Context =
    [
        new(1, new StoredChunk(10, "sotu/1", 0, 0, 35, "The tariff protects our iron works.", "test:1")),
        new(2, new StoredChunk(11, "sotu/1", 1, 36, 77, "The navy launched six frigates this year.", "test:1")),
    ];

    private static string? Documents(string id) => id == "sotu/1" ? Speech : null;

    private static CitationReport Check(string answer, params int[] citations) =>
        CitationChecker.Check(new CitedAnswer { Answer = answer, Citations = [.. citations] }, Context, Documents);

    [Fact]
    public void Supported_citations_map_back_to_document_and_span()
    {
        var report = Check("Six frigates were launched [2]; the tariff protects \"our iron works\" [1].", 2, 1);
        Assert.True(report.Valid, string.Join(" ", report.Problems));
        var navy = report.Citations.Single(c => c.Number == 2);
        Assert.Equal(("sotu/1", 36, 77, true), (navy.DocumentId, navy.CharStart, navy.CharEnd, navy.SpanVerified));
        Assert.Equal(Speech[navy.CharStart..navy.CharEnd], Context[1].Chunk.Text);
        Assert.Contains("frigates", navy.KeyTermsFound);
    }

    [Fact]
    public void Invented_numbers_are_rejected()
    {
        Assert.Contains("citation 3 is not a retrieved chunk (1..2).", Check("Frigates [2].", 2, 3).Problems);
        Assert.Contains("the answer text cites [7], which is not a retrieved chunk (1..2).", Check("Frigates [7].", 2).Problems);
        Assert.Contains("the answer text cites [1], but 'citations' does not list it.", Check("Frigates and tariff [1].", 2).Problems);
        Assert.Contains("the answer cites no source.", Check("Frigates.").Problems);
    }

    [Fact]
    public void Invented_spans_and_quotations_are_rejected()
    {
        var moved = new List<NumberedChunk> { new(1, Context[1].Chunk with { CharStart = 30, CharEnd = 70 }) };
        var report = CitationChecker.Check(new CitedAnswer { Answer = "Six frigates.", Citations = [1] }, moved, Documents);
        Assert.Equal([false], report.Citations.Select(c => c.SpanVerified));
        Assert.Contains("citation [1]: characters 30..70 of document 'sotu/1' do not reproduce the chunk.", report.Problems);

        Assert.Contains("the quotation \"seven frigates\" is in no cited chunk.", Check("The navy launched \"seven frigates\" [2].", 2).Problems);
        // A quotation from a chunk that is retrieved but not cited does not count.
        Assert.Contains("the quotation \"iron works\" is in no cited chunk.", Check("The navy \"iron works\" [2].", 2).Problems);
    }

    [Fact]
    public void A_cited_chunk_must_hold_some_of_the_answers_key_terms()
    {
        var report = Check("Frigates were launched this year [1].", 1);
        Assert.Contains("citation [1] contains none of the answer's key terms.", report.Problems);
        Assert.True(Check("Frigates were launched this year [2].", 2).Valid);
    }

    [Fact]
    public void The_answer_schema_allows_only_retrieved_numbers()
    {
        var schema = SharpLM.Inference.Constraints.Json.JsonSchemaParser.Parse(RagPrompt.Schema(3).ToJsonString());
        Assert.NotNull(schema);
        var citations = RagPrompt.Schema(3)["properties"]!["citations"]!;
        Assert.Equal("[1,2,3]", citations["items"]!["enum"]!.ToJsonString());
        Assert.Equal(3, (int)citations["maxItems"]!);
    }
}
