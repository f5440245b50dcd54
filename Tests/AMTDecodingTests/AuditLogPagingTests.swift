// Which ReadRecords call serves each REST page, and the page order.
import AMT
import Testing

@Suite struct AuditLogPagingTests {
    /// What AMT answers to ReadRecords(start) over records numbered 1...total.
    static func readRecords(_ start: Int, total: Int) -> [Int] {
        guard start >= 1, start <= total else { return [] }
        return Array(start...min(total, start + AuditLogPaging.recordsPerRead - 1))
    }

    static func page(skip: Int, total: Int) -> [Int]? {
        guard let page = AuditLogPaging.page(skippingNewest: skip, totalRecords: total) else {
            return nil
        }
        return AuditLogPaging.newestFirst(readRecords(page.startIndex, total: total), page: page)
    }

    @Test func newestPageIncludesTheNewestRecord() throws {
        let page = try #require(AuditLogPaging.page(skippingNewest: 0, totalRecords: 1106))
        #expect(page == AuditLogPage(startIndex: 1097, count: 10))
        #expect(Self.page(skip: 0, total: 1106) == Array((1097...1106).reversed()))
        #expect(Self.page(skip: 10, total: 1106) == Array((1087...1096).reversed()))
    }

    @Test func pagesNearTheOldestEnd() {
        #expect(AuditLogPaging.page(skippingNewest: 10, totalRecords: 15)
            == AuditLogPage(startIndex: 1, count: 5))
        #expect(Self.page(skip: 10, total: 15) == [5, 4, 3, 2, 1])
        // AMT answers 1...10; only 1...7 are on the page.
        #expect(Self.page(skip: 8, total: 15) == [7, 6, 5, 4, 3, 2, 1])
        #expect(Self.page(skip: 0, total: 10) == Array((1...10).reversed()))
        #expect(Self.page(skip: 0, total: 1) == [1])
    }

    @Test func emptyAndInvalidPages() {
        #expect(AuditLogPaging.page(skippingNewest: 0, totalRecords: 0) == nil)
        #expect(AuditLogPaging.page(skippingNewest: 15, totalRecords: 15) == nil)
        #expect(AuditLogPaging.page(skippingNewest: -1, totalRecords: 15) == nil)
        #expect(AuditLogPaging.page(number: -1, totalRecords: 15) == nil)
        #expect(AuditLogPaging.page(number: .max, totalRecords: .max) == nil)
    }

    @Test func pageNumbers() {
        #expect(AuditLogPaging.page(number: 0, totalRecords: 1106)
            == AuditLogPage(startIndex: 1097, count: 10))
        #expect(AuditLogPaging.page(number: 110, totalRecords: 1106)
            == AuditLogPage(startIndex: 1, count: 6))
        #expect(AuditLogPaging.page(number: 111, totalRecords: 1106) == nil)
    }

    /// Walking the pages shows every record exactly once, newest first, for any log size.
    @Test(arguments: [1, 2, 9, 10, 11, 19, 20, 21, 35, 1106])
    func pagesTileTheLog(_ total: Int) throws {
        var shown: [Int] = []
        var number = 0
        while let page = AuditLogPaging.page(number: number, totalRecords: total) {
            #expect(page.count >= 1 && page.count <= 10)
            shown += AuditLogPaging.newestFirst(
                Self.readRecords(page.startIndex, total: total), page: page)
            number += 1
            try #require(number <= total)
        }
        #expect(shown == Array((1...total).reversed()))
        #expect(number == (total + 9) / 10)
    }

    @Test func shortAnswerUsesWhatCame() {
        let page = AuditLogPage(startIndex: 1, count: 7)
        #expect(AuditLogPaging.newestFirst(["a", "b", "c"], page: page) == ["c", "b", "a"])
        #expect(AuditLogPaging.newestFirst([Int](), page: page).isEmpty)
    }
}
