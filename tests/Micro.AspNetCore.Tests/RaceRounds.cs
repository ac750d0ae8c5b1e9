namespace Micro.AspNetCore.Tests;

/// <summary>
/// How many times the tests of hand-offs between threads drive their hand-off at its edge (a lane ending its pass, a
/// drain ending): <c>MICRO_RACE_ROUNDS</c>, else 200,000. A flag's store seen after the look at a queue that follows
/// it strands work only at some rounds: with the lane's fence taken out, its test failed within 12,000 to 185,000
/// rounds in five runs of five; the outbox's drains fail far more rarely (one run in three of a million rounds). Each
/// round spins both cores, which the rest of the suite shares, so the suite runs the default and scripts/races.sh
/// runs millions after a change to these hand-offs.
/// </summary>
internal static class RaceRounds
{
    public static int Count { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("MICRO_RACE_ROUNDS"), out var rounds) && rounds > 0 ? rounds : 200_000;
}
