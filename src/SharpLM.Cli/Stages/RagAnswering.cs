using System.Text.Json;
using Microsoft.Extensions.AI;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Formats.Documents;
using SharpLM.Retrieval.Answering;
using SharpLM.Retrieval.Embeddings;
using SharpLM.Retrieval.Evaluation;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;
using SharpLM.Serving.Clients;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>`sharplm rag ask`: a cited answer from a model over the retrieved chunks, with its citations mapped back and checked.</summary>
public static class RagAnswering
{
    /// <summary>How `rag ask` retrieves and how long its answer may be.</summary>
    public sealed record AskSettings(RetrievalMethod Method, int Chunks, string? DocumentsPath, int MaxTokens, int MaxAnswerChars, bool Rewrite, int Rounds);

    public static void Ask(string dbPath, string modelDirectory, string question, AskSettings settings, bool json)
    {
        var documents = settings.DocumentsPath is null ? null
            : DocumentJsonl.Read(DocumentJsonl.RequireFile(settings.DocumentsPath)).ToDictionary(d => d.Id, d => d.Text, StringComparer.Ordinal);
        using var store = RagStores.Open(dbPath, create: false);
        using var generator = Embedders.ForIndex(store);
        using var engine = SharpLMChatClient.Load(modelDirectory, slots: 1);
        using var rag = new RetrievalChatClient(engine, new Retriever(store, new BatchEmbedder(generator)))
        {
            Method = settings.Method,
            Chunks = settings.Chunks,
            MaxAnswerLength = settings.MaxAnswerChars,
            DocumentText = documents is null ? null : id => documents.GetValueOrDefault(id),
            RewriteQuery = settings.Rewrite,
            Rounds = settings.Rounds,
        };
        var response = rag.GetResponseAsync([new ChatMessage(ChatRole.User, question)], new ChatOptions { Temperature = 0, MaxOutputTokens = settings.MaxTokens })
            .GetAwaiter().GetResult();
        var queries = (List<string>)response.AdditionalProperties![RetrievalChatClient.QueriesKey]!;
        var answer = (CitedAnswer)response.AdditionalProperties![RetrievalChatClient.AnswerKey]!;
        var report = (CitationReport)response.AdditionalProperties[RetrievalChatClient.CitationsKey]!;
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                answer = answer.Answer,
                queries,
                citations = report.Citations.Select(c => new
                {
                    number = c.Number, document_id = c.DocumentId, char_start = c.CharStart, char_end = c.CharEnd, source = c.Source,
                    span_verified = c.SpanVerified, key_terms = c.KeyTermsFound,
                }),
                problems = report.Problems,
            }));
            return;
        }
        if (settings.Rewrite || settings.Rounds > 1)
            foreach (var (query, round) in queries.Select((q, i) => (q, i + 1))) Display.Info($"round {round} searched: {query}");
        AnsiConsole.WriteLine(answer.Answer);
        var table = new Table().AddColumns("[[n]]", "document", "span", "span checked", "key terms found");
        foreach (var c in report.Citations)
            table.AddRow($"[[{c.Number}]]", Markup.Escape(c.DocumentId), $"{c.CharStart}..{c.CharEnd}",
                c.SpanVerified switch { true => "yes", false => "NO", null => "no documents given" }, Markup.Escape(string.Join(", ", c.KeyTermsFound)));
        AnsiConsole.Write(table);
        if (report.Valid) Display.Info("citations check out.");
        else foreach (string problem in report.Problems) Display.Info($"citation problem: {problem}");
    }

    /// <summary>`rag eval --model`: each question answered as `rag ask` answers it, under each method, and its citations scored.</summary>
    public static List<CitationScores> ScoreCitations(Retriever retriever, IReadOnlyList<EvaluationQuestion> questions, RagStage.AnswerSettings settings)
    {
        using var engine = SharpLMChatClient.Load(settings.ModelDirectory, slots: 1);
        return Display.Progress("answers", questions.Count * RetrievalMethods.All.Count, sink =>
            CitationEvaluation.Run(engine, retriever, questions, settings.Chunks, RetrievalMethods.All,
                new ChatOptions { Temperature = 0, MaxOutputTokens = settings.MaxTokens }, settings.MaxAnswerChars,
                (done, total) => sink.Report(done, $"{done}/{total}")));
    }
}
