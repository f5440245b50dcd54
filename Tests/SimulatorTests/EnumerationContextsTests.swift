// SPDX-License-Identifier: Apache-2.0

import Simulator
import Testing

@Suite struct EnumerationContextsTests {
    let t0 = ContinuousClock.now
    let uri = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_PhysicalPackage"

    func items(_ classes: [String]) -> [SimulatedInstance] {
        classes.enumerated().map { SimulatedInstance($1, [("InstanceID", .text("\($0)"))]) }
    }

    /// Pages hold at most MaxElements; the last page closes the context.
    @Test func pagesByMaxElements() throws {
        var c = EnumerationContexts()
        let name = c.open(
            resourceURI: self.uri,
            items: self.items(Array(repeating: "CIM_Card", count: 7)),
            now: t0
        )
        #expect(name == "01000000-0000-0000-0000-000000000000")
        let p1 = try c.pull(name, resourceURI: self.uri, maxElements: 3, now: t0)
        let p2 = try c.pull(name, resourceURI: self.uri, maxElements: 3, now: t0)
        let p3 = try c.pull(name, resourceURI: self.uri, maxElements: 3, now: t0)
        #expect(p1.items.map { $0.text("InstanceID") } == ["0", "1", "2"])
        #expect(p2.items.map { $0.text("InstanceID") } == ["3", "4", "5"])
        #expect(p3.items.map { $0.text("InstanceID") } == ["6"])
        #expect(p1.nextContext == name && p2.nextContext == name && p3.nextContext == nil)
        #expect(throws: EnumerationContexts.PullError.invalidContext) {
            try c.pull(name, resourceURI: self.uri, maxElements: 3, now: t0)
        }
    }

    /// A page ends where the concrete class changes (AMT's polymorphic paging).
    @Test func pageEndsAtClassChange() throws {
        var c = EnumerationContexts()
        let name = c.open(
            resourceURI: self.uri,
            items: self.items(["CIM_Card", "CIM_PhysicalPackage", "CIM_PhysicalPackage", "CIM_Chassis"]),
            now: t0
        )
        let pages = try (0..<3).map { _ in try c.pull(name, resourceURI: self.uri, maxElements: 999, now: t0)
        }
        #expect(
            pages.map { $0.items.map(\.className) } == [
                ["CIM_Card"], ["CIM_PhysicalPackage", "CIM_PhysicalPackage"], ["CIM_Chassis"],
            ]
        )
        #expect(pages[2].nextContext == nil)
    }

    /// An empty enumeration's first Pull is the final, empty page.
    @Test func emptyEnumerationEndsAtOnce() throws {
        var c = EnumerationContexts()
        let name = c.open(resourceURI: self.uri, items: [], now: t0)
        let page = try c.pull(name, resourceURI: self.uri, maxElements: 10, now: t0)
        #expect(page.items.isEmpty)
        #expect(page.nextContext == nil)
    }

    /// Unknown names, another ResourceURI and expired contexts are all invalid.
    @Test func invalidContexts() {
        var c = EnumerationContexts(lifetime: .seconds(60))
        let name = c.open(resourceURI: self.uri, items: self.items(["CIM_Card", "CIM_Card"]), now: t0)
        #expect(throws: EnumerationContexts.PullError.invalidContext) {
            try c.pull("FF000000-0000-0000-0000-000000000000", resourceURI: self.uri, maxElements: 1, now: t0)
        }
        #expect(throws: EnumerationContexts.PullError.invalidContext) {
            try c.pull(name, resourceURI: self.uri + "x", maxElements: 1, now: t0)
        }
        #expect(throws: EnumerationContexts.PullError.invalidContext) {
            try c.pull(name, resourceURI: self.uri, maxElements: 1, now: t0 + .seconds(61))
        }
    }

    /// Each Pull renews the lifetime; Release closes a context.
    @Test func useRenewsAndReleaseCloses() throws {
        var c = EnumerationContexts(lifetime: .seconds(60))
        let name = c.open(
            resourceURI: self.uri,
            items: self.items(["CIM_Card", "CIM_Card", "CIM_Card"]),
            now: t0
        )
        _ = try c.pull(name, resourceURI: self.uri, maxElements: 1, now: t0 + .seconds(50))
        _ = try c.pull(name, resourceURI: self.uri, maxElements: 1, now: t0 + .seconds(100))
        let first = c.release(name)
        let second = c.release(name)
        #expect(first && !second)
        #expect(c.count == 0)
    }

    /// At capacity the least recently used context is dropped; names count up little-endian.
    @Test func capacityEvictsOldest() throws {
        var c = EnumerationContexts(capacity: 2)
        let a = c.open(resourceURI: self.uri, items: self.items(["CIM_Card", "CIM_Card"]), now: t0)
        let b = c.open(
            resourceURI: self.uri,
            items: self.items(["CIM_Card", "CIM_Card"]),
            now: t0 + .seconds(1)
        )
        let d = c.open(
            resourceURI: self.uri,
            items: self.items(["CIM_Card", "CIM_Card"]),
            now: t0 + .seconds(2)
        )
        #expect(b == "02000000-0000-0000-0000-000000000000")
        #expect(d == "03000000-0000-0000-0000-000000000000")
        #expect(c.count == 2)
        #expect(throws: EnumerationContexts.PullError.invalidContext) {
            try c.pull(a, resourceURI: self.uri, maxElements: 1, now: t0 + .seconds(2))
        }
        let page = try c.pull(b, resourceURI: self.uri, maxElements: 1, now: t0 + .seconds(2))
        #expect(page.items.count == 1)
    }
}
