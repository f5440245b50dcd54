import NetCore
import Testing

@Suite struct TrimScheduleTests {
    /// A burst is trimmed once, one sample after the count stops moving; a steady count is
    /// trimmed again only at the fallback period.
    @Test func trimsOnceAfterABurstEnds() {
        var schedule = TrimSchedule(fallbackSamples: 6)
        let counts = [0, 0, 400, 900, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]
        let trimmed = counts.enumerated().filter { schedule.sample($0.element) }.map(\.offset)
        // Index 1: the empty server settles; index 5: the burst ended at 1,000;
        // index 11: six samples after that trim, the fallback.
        #expect(trimmed == [1, 5, 11])
    }

    /// A count that keeps changing is still trimmed every `fallbackSamples` samples.
    @Test func fallbackWhileChurning() {
        var schedule = TrimSchedule(fallbackSamples: 3)
        let trimmed = (0..<9).filter { schedule.sample($0 * 10) }
        #expect(trimmed == [2, 5, 8])
    }
}
