using System.Text;
using System.Text.Json;
using SharpLM.Core;
using SharpLM.Inference.Constraints;
using SharpLM.Inference.Constraints.Json;

namespace SharpLM.Inference.Tests.Constraints;

public class JsonMatcherTests
{
    private const string Person = """
        {
          "type": "object",
          "properties": {
            "name": { "type": "string", "maxLength": 5 },
            "age": { "type": "integer" },
            "tags": { "type": "array", "items": { "enum": ["a", "b", 3] }, "maxItems": 2 },
            "ok": { "type": ["boolean", "null"] },
            "score": { "type": "number" }
          },
          "required": ["name", "age"]
        }
        """;

    private static CharState Start(string schema, JsonSchemaLimits? limits = null) => JsonMatcher.Start(JsonSchemaParser.Parse(schema), limits);

    [Theory]
    [InlineData("""{"name":"Ann","age":30}""")]
    [InlineData("""{"age":-0,"name":""}""")]
    [InlineData("""{ "name" : "é\"\u00e9" ,"age":1, "tags":["a",3], "ok":null, "score":-1.5e+10 }""")]
    [InlineData("""{"name":"x","age":7,"ok":true,"tags":[],"score":0.25}""")]
    [InlineData("{\"name\":\"名前\",\n  \"age\": 12}")]
    public void Accepts_valid_documents(string document) => Assert.True(JsonMatcher.Accepts(Start(Person), document), document);

    [Theory]
    [InlineData("""{"name":"Ann"}""")] // required age missing
    [InlineData("""{"name":"Ann","age":3.5}""")] // integer with a fraction
    [InlineData("""{"name":"Annabel","age":3}""")] // longer than maxLength
    [InlineData("""{"name":"A","age":3,"extra":1}""")] // undeclared property
    [InlineData("""{"name":"A","age":3,"name":"B"}""")] // duplicate key
    [InlineData("""{"name":"A","age":3,"tags":["c"]}""")] // not an enum value
    [InlineData("""{"name":"A","age":3,"tags":["a","a","b"]}""")] // more than maxItems
    [InlineData("""{"name":"A","age":03}""")] // leading zero
    [InlineData("""{"name":"A","age":3} """)] // trailing text
    [InlineData(""" {"name":"A","age":3}""")] // leading text
    [InlineData("""{"name":"A","age":3,}""")] // trailing comma
    [InlineData("""{"name":"\x","age":3}""")] // bad escape
    [InlineData("""{"name":"\uD800","age":3}""")] // lone surrogate escape
    [InlineData("""{"name":"A","age":3""")] // unfinished
    public void Rejects_invalid_documents(string document) => Assert.False(JsonMatcher.Accepts(Start(Person), document), document);

    [Fact]
    public void Every_prefix_of_a_valid_document_is_viable_and_dead_prefixes_are_caught_at_once()
    {
        var start = Start(Person);
        const string document = """{"tags":["b"],"name":"Bo","age":41,"score":1E-2}""";
        for (int i = 0; i <= document.Length; i++) Assert.True(JsonMatcher.IsViablePrefix(start, document[..i]), document[..i]);
        Assert.False(JsonMatcher.IsViablePrefix(start, """{"tags":["b"],"name":"Bo","age":41,"score":1E-2,"ok":null,"""));  // nothing left to add
        Assert.False(JsonMatcher.IsViablePrefix(start, """{"nam":"""));
        Assert.False(JsonMatcher.IsViablePrefix(start, """{"name":"Bo"}"""));  // closing before a required key
        Assert.False(JsonMatcher.IsViablePrefix(start, """{"age":1.""")); // integer
        Assert.True(JsonMatcher.IsViablePrefix(start, """{"name":"Bo","""));
    }

    [Fact]
    public void Limits_bound_whitespace_strings_and_numbers()
    {
        var limits = new JsonSchemaLimits { MaxWhitespace = 2, MaxStringLength = 3, MaxIntegerDigits = 2, MaxFractionDigits = 1 };
        var start = Start("""{"type":"array","items":{"type":["string","number"]}}""", limits);
        Assert.True(JsonMatcher.Accepts(start, """[  "abc",  99, 1.5]"""));
        Assert.False(JsonMatcher.IsViablePrefix(start, "[   "));
        Assert.False(JsonMatcher.IsViablePrefix(start, """["abcd"""));
        Assert.False(JsonMatcher.IsViablePrefix(start, "[100"));
        Assert.False(JsonMatcher.IsViablePrefix(start, "[1.55"));
    }

    [Fact]
    public void A_finished_document_reports_whether_it_can_grow()
    {
        var number = Start("""{"type":"integer"}""");
        var afterDigits = number.Step('1')!.Step('2')!;
        Assert.True(afterDigits.IsComplete);
        Assert.True(afterDigits.CanContinue);
        var closed = Start("""{"type":"object"}""").Step('{')!.Step('}')!;
        Assert.True(closed.IsComplete);
        Assert.False(closed.CanContinue);
    }

    /// <summary>Instances written by System.Text.Json from random schemas are accepted; random walks of the matcher yield documents the independent validator accepts.</summary>
    [Fact]
    public void Random_schemas_accept_their_instances_and_only_produce_valid_documents()
    {
        var random = new Random(7);
        var limits = new JsonSchemaLimits { MaxStringLength = 6, MaxWhitespace = 2, MaxArrayItems = 3, MaxIntegerDigits = 3, MaxFractionDigits = 2 };
        string pool = "{}[],:\" \n-.0123456789eE+abcdefghijklmnopqrstuvwxyzé名前😀\\\"";
        var points = pool.EnumerateRunes().Select(r => r.Value).Distinct().ToArray();
        int walks = 0;
        for (int s = 0; s < 200; s++)
        {
            var schemaNode = RandomSchema.Schema(random);
            string schemaText = schemaNode.ToJsonString();
            using var schema = JsonDocument.Parse(schemaText);
            var start = JsonMatcher.Start(JsonSchemaParser.Parse(schemaText));
            for (int i = 0; i < 5; i++)
            {
                string instance = RandomSchema.Instance(schemaNode, random)?.ToJsonString(RandomSchema.Compact) ?? "null";
                Assert.Null(SchemaValidator.Problem(schema.RootElement, JsonDocument.Parse(instance).RootElement));
                Assert.True(JsonMatcher.Accepts(start, instance), $"schema {schemaText} refused its instance {instance}");
            }
            var bounded = JsonMatcher.Start(JsonSchemaParser.Parse(schemaText), limits);
            for (int i = 0; i < 5; i++)
            {
                string document = Walk(bounded, points, random);
                using var parsed = JsonDocument.Parse(document);
                Assert.True(SchemaValidator.Problem(schema.RootElement, parsed.RootElement) is null,
                    $"schema {schemaText} produced {document}: {SchemaValidator.Problem(schema.RootElement, parsed.RootElement)}");
                walks++;
            }
        }
        Assert.Equal(1000, walks);
    }

    /// <summary>A random document: each step takes a random accepted code point of the pool, stopping at random once complete.</summary>
    private static string Walk(CharState start, int[] pool, Random random)
    {
        var text = new StringBuilder();
        CharState state = start;
        while (true)
        {
            if (state.IsComplete && (!state.CanContinue || random.Next(4) == 0)) return text.ToString();
            var options = pool.Where(c => state.Step(c) is not null).ToList();
            Assert.NotEmpty(options); // a viable state always has a way on within the JSON alphabet
            int next = options[random.Next(options.Count)];
            text.Append(char.ConvertFromUtf32(next));
            state = state.Step(next)!;
        }
    }

    [Theory]
    [InlineData("""{"type":"strin"}""", "schema: $.type: unknown type \"strin\" (expected object, array, string, number, integer, boolean or null).")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","pattern":"x"}}}""", "schema: $.properties.a.pattern: keyword 'pattern' is not supported for constrained generation.")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array"}}}""", "schema: $.properties.a: an array schema needs 'items' (arrays of any value are not supported for generation).")]
    [InlineData("""{"type":"object","properties":{},"required":["b"]}""", "schema: $.required[0]: required property \"b\" is not declared in 'properties' (generated objects hold only declared properties).")]
    [InlineData("""{"type":"object","additionalProperties":true}""", "schema: $.additionalProperties: only 'additionalProperties': false is supported for generation.")]
    [InlineData("""{"type":"string","minLength":3,"maxLength":2}""", "schema: $.maxLength: 'maxLength' is below 'minLength'.")]
    [InlineData("""{"enum":[]}""", "schema: $.enum: 'enum' must be a non-empty array.")]
    [InlineData("{}", "schema: $: needs 'type', 'enum' or 'const' (schemas that allow any value are not supported for generation).")]
    [InlineData("{\"type\": }", "schema: not valid JSON at line 1, byte 10 ('}' is an invalid start of a value)." )]
    public void Bad_schemas_name_the_json_path(string schema, string message) =>
        Assert.Equal(message, Assert.Throws<SharpLMException>(() => JsonSchemaParser.Parse(schema)).Message);
}

public class JsonMatcherAlternativeTests
{
    /// <summary>Two calls told apart by their name: the shape of a required call among several functions.</summary>
    private const string Calls = """
        {"oneOf": [
          {"type":"object","properties":{"name":{"const":"add"},"arguments":{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"]}},"required":["name","arguments"]},
          {"type":"object","properties":{"name":{"const":"echo"},"arguments":{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}},"required":["name","arguments"]}
        ]}
        """;

    private static CharState Start(string schema) => JsonMatcher.Start(JsonSchemaParser.Parse(schema));

    [Theory]
    [InlineData("""{"name":"add","arguments":{"a":1,"b":2}}""")]
    [InlineData("""{"arguments":{"b":2,"a":1},"name":"add"}""")]
    [InlineData("""{"name":"echo","arguments":{"text":"hi"}}""")]
    [InlineData("""{"arguments":{"text":""},"name":"echo"}""")]
    public void Accepts_a_document_of_any_alternative(string document) => Assert.True(JsonMatcher.Accepts(Start(Calls), document), document);

    [Theory]
    [InlineData("""{"name":"add","arguments":{"text":"hi"}}""")] // arguments of the other function
    [InlineData("""{"name":"echo","arguments":{"a":1,"b":2}}""")]
    [InlineData("""{"name":"mul","arguments":{"a":1,"b":2}}""")]
    [InlineData("""{"arguments":{"a":1,"b":2}}""")] // no name
    [InlineData("""{"name":"add","arguments":{"a":1}}""")]
    public void Rejects_a_document_no_alternative_accepts(string document) => Assert.False(JsonMatcher.Accepts(Start(Calls), document), document);

    [Fact]
    public void Prefixes_stay_viable_while_some_alternative_can_finish_them()
    {
        var start = Start(Calls);
        // The arguments come first, so both alternatives stay alive until a key tells them apart.
        Assert.True(JsonMatcher.IsViablePrefix(start, """{"arguments":{"""));
        Assert.True(JsonMatcher.IsViablePrefix(start, """{"arguments":{"a":1,"b":2},"name":"""));
        Assert.False(JsonMatcher.IsViablePrefix(start, """{"arguments":{"a":1,"b":2},"name":"e"""));
        Assert.False(JsonMatcher.IsViablePrefix(start, """{"arguments":{"a":1,"text":"""));
        Assert.False(JsonMatcher.IsViablePrefix(start, """{"name":"add","arguments":{"t"""));
    }

    [Fact]
    public void Alternatives_of_different_types_nest_inside_objects_and_arrays()
    {
        var start = Start("""{"type":"array","items":{"anyOf":[{"type":"integer"},{"type":"string","maxLength":2},{"type":"object","properties":{"k":{"anyOf":[{"const":1},{"type":"null"}]}},"required":["k"]}]}}""");
        Assert.True(JsonMatcher.Accepts(start, """[1,"ab",{"k":1},{"k":null},-20]"""));
        Assert.False(JsonMatcher.Accepts(start, """["abc"]"""));
        Assert.False(JsonMatcher.Accepts(start, """[{"k":2}]"""));
        Assert.False(JsonMatcher.Accepts(start, """[1.5]"""));
        // A number ends without a closing character: every alternative that can end it hands over to the array.
        var numbers = Start("""{"type":"array","items":{"anyOf":[{"type":"integer"},{"type":"number"}]}}""");
        Assert.True(JsonMatcher.Accepts(numbers, "[12,1.5,3]"));
    }

    [Theory]
    [InlineData("""{"oneOf":[{"type":"integer"},{"type":"number"}]}""", "oneOf[1]")] // 1 is both
    [InlineData("""{"oneOf":[{"type":"string"},{"const":"a"}]}""", "oneOf[1]")]
    [InlineData("""{"oneOf":[{"const":1.0},{"type":"integer"}]}""", "oneOf[1]")] // 1.0 is an integer to JSON Schema
    [InlineData("""{"oneOf":[{"type":"object","properties":{"a":{"type":"string"}}},{"type":"object","properties":{"b":{"type":"string"}}}]}""", "oneOf[1]")] // {} is both
    [InlineData("""{"oneOf":[{"type":"string"},{"type":"null"},{"type":["null","boolean"]}]}""", "oneOf[2]")]
    [InlineData("""{"anyOf":[],"type":"string"}""", "$.type")]
    [InlineData("""{"anyOf":[]}""", "$.anyOf")]
    [InlineData("""{"anyOf":[{"type":"string"},{"minimum":1}]}""", "$.anyOf[1].minimum")]
    public void Refuses_overlapping_oneOf_and_unsupported_combinations(string schema, string where)
    {
        var error = Assert.Throws<SharpLMException>(() => JsonSchemaParser.Parse(schema));
        Assert.Contains(where, error.Message);
    }

    [Theory]
    [InlineData("""{"oneOf":[{"type":"string"},{"type":"integer"},{"type":"object","properties":{},"required":[]}]}""")]
    [InlineData("""{"oneOf":[{"const":"a"},{"enum":["b",1]},{"type":"boolean"}]}""")]
    [InlineData("""{"oneOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},{"type":"object","properties":{"b":{"type":"string"}},"required":["b"]}]}""")]
    public void Accepts_oneOf_over_alternatives_no_document_can_share(string schema) => JsonSchemaParser.Parse(schema);
}
