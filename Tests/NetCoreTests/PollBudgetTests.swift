import Testing
import TestSupport

/// The accounting behind the tests' polling waits, on made-up instants.
@Suite struct PollBudgetTests {
    let t0 = ContinuousClock.now
    let poll = Duration.milliseconds(5)

    /// A sleep that comes back on time counts as it was; one that comes back 20 s late (a
    /// starved task pool) counts only up to the cap; the condition's own time counts in full.
    @Test func lateSleepsAreCappedAndConditionsCountInFull() {
        var budget = PollBudget(.seconds(1), now: self.t0)
        budget.sleep(starting: self.t0 + .milliseconds(30))
        budget.woke(at: self.t0 + .milliseconds(36), interval: self.poll)
        #expect(budget.spent == .milliseconds(36))
        budget.sleep(starting: self.t0 + .milliseconds(36))
        budget.woke(at: self.t0 + .seconds(20), interval: self.poll)
        #expect(budget.spent == .milliseconds(36) + self.poll + PollBudget.maxLateness)
        #expect(!budget.isSpent)
    }

    /// Every poll uses up at least its interval, even a sleep cut short: a condition that never
    /// holds runs out of budget after `total / interval` polls at most.
    @Test func everyPollUsesItsInterval() {
        var budget = PollBudget(.milliseconds(50), now: self.t0)
        var polls = 0
        while !budget.isSpent {
            budget.sleep(starting: self.t0)
            budget.woke(at: self.t0, interval: self.poll)
            polls += 1
        }
        #expect(polls == 10)
    }

    /// A condition that holds ends the wait at once; one that never does, after the budget.
    @Test func pollUntilReturnsTheOutcome() async {
        #expect(await pollUntil(for: .seconds(30), every: self.poll) { true })
        var checks = 0
        let held = await pollUntil(for: .milliseconds(20), every: self.poll) {
            checks += 1
            return false
        }
        #expect(!held && checks >= 2 && checks <= 6)
    }
}
