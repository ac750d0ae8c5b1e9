using Micro.Parser.LLHttp;

namespace Micro.Parser.Tests;

/// <summary>
/// Micro.Parser against llhttp, Node's parser, on the same bytes: they must agree on status and on every parsed field,
/// or disagree for a reason listed in <see cref="ExpectedDifferences"/>.
/// </summary>
public sealed class DifferentialTests : IDisposable
{
    private readonly LLHttpRequestParser _llhttp = new();
    private readonly LLHttpResult _result = new();
    private readonly RequestHead _head = new();

    public void Dispose() => _llhttp.Dispose();

    [Fact]
    public void Valid_requests_parse_identically()
    {
        foreach (var request in ValidRequests.All)
        {
            var comparison = Comparison.Of(Http.Bytes(request), _head, _llhttp, _result);
            Assert.True(comparison.Agrees, comparison.ToString());
        }
    }

    [Fact]
    public void The_hand_written_hostile_corpus_agrees_or_differs_for_a_listed_reason()
    {
        var counts = AssertAgreementOrListedDifference(RequestCorpus.Hostile.Select(Http.Bytes));
        Assert.Equal(RequestCorpus.Hostile.Length, counts.Total);
        Assert.True(counts.Agreed > 20, $"only {counts.Agreed} agreed");
    }

    [Fact]
    public void Generated_requests_agree_or_differ_for_a_listed_reason()
    {
        var counts = AssertAgreementOrListedDifference(RequestCorpus.Generated(3000).Select(Http.Bytes));
        Assert.Equal(3000, counts.Total);
        // Generated requests are well formed apart from extension-free randomness, so almost all must agree outright.
        Assert.True(counts.Agreed > 2900, $"only {counts.Agreed} of 3000 agreed");
    }

    [Fact]
    public void Mutated_requests_agree_or_differ_for_a_listed_reason()
    {
        string[] seeds = [.. ValidRequests.All, .. RequestCorpus.Generated(100)];
        var counts = AssertAgreementOrListedDifference(RequestCorpus.Mutated(seeds, 10000));
        Assert.Equal(10000, counts.Total);
    }

    [Fact]
    public void The_listed_differences_are_each_exercised_by_the_corpus()
    {
        var reasons = RequestCorpus.Hostile.Select(Http.Bytes)
            .Concat(RequestCorpus.Mutated([.. ValidRequests.All, .. RequestCorpus.Generated(100)], 10000))
            .Select(input => Comparison.Of(input, _head, _llhttp, _result))
            .Where(c => !c.Agrees)
            .Select(ExpectedDifferences.Explain)
            .OfType<string>()
            .Distinct()
            .Count();
        Assert.Equal(15, reasons);
    }

    private (int Total, int Agreed) AssertAgreementOrListedDifference(IEnumerable<byte[]> inputs)
    {
        var total = 0;
        var agreed = 0;
        var unexplained = new List<string>();
        foreach (var input in inputs)
        {
            total++;
            var comparison = Comparison.Of(input, _head, _llhttp, _result);
            if (comparison.Agrees)
            {
                agreed++;
            }
            else if (ExpectedDifferences.Explain(comparison) is null)
            {
                unexplained.Add(comparison.ToString());
            }
        }
        Assert.True(unexplained.Count == 0, $"{unexplained.Count} unexplained disagreements:\n" + string.Join("\n", unexplained.Take(20)));
        return (total, agreed);
    }
}
