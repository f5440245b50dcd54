// Which AMT_AuditLog.ReadRecords call serves a page of the REST audit log (wsman spec §3.9).

/// One `ReadRecords` call and how to turn its answer into a page.
public struct AuditLogPage: Sendable, Equatable {
    /// The 1-based `StartIndex` to send: the oldest record of the page.
    public let startIndex: Int
    /// How many of the returned records (counted from the first, oldest) belong to the page.
    public let count: Int

    public init(startIndex: Int, count: Int) {
        self.startIndex = startIndex
        self.count = count
    }
}

/// Paging math for the audit log.
///
/// AMT numbers records 1...TotalRecordCount, oldest first, and `ReadRecords(StartIndex)` returns
/// up to 10 of them in that order. The REST route's `startIndex` instead counts records to skip
/// from the newest end, and returns pages newest first:
/// ```
/// let probe = ReadRecords(AuditLogPaging.probeStartIndex)      // learns TotalRecordCount
/// guard let page = AuditLogPaging.page(skippingNewest: skip, totalRecords: total)
/// else { return (total, []) }
/// let records = page.startIndex == AuditLogPaging.probeStartIndex
///     ? probe.records : ReadRecords(page.startIndex).records
/// return (total, AuditLogPaging.newestFirst(records, page: page))
/// ```
/// The reference computes the second StartIndex as `total − skip − returned`, one too low: for
/// the newest page it reads records total−10 ... total−1 and never shows the newest record
/// (and near the oldest end it restarts at 1 and shows records it should skip). Here the page
/// ends exactly at record `total − skip`.
public enum AuditLogPaging {
    /// Records per `ReadRecords` answer, and so per page.
    public static let recordsPerRead = 10

    /// The first call, made to learn `TotalRecordCount`.
    public static let probeStartIndex = 1

    /// The page whose newest record is `skip` records older than the newest one, or nil when
    /// there is no such record (`skip` < 0 or ≥ `totalRecords`).
    public static func page(skippingNewest skip: Int, totalRecords: Int) -> AuditLogPage? {
        guard skip >= 0, totalRecords > 0, skip < totalRecords else { return nil }
        let newest = totalRecords - skip
        let oldest = max(1, newest - recordsPerRead + 1)
        return AuditLogPage(startIndex: oldest, count: newest - oldest + 1)
    }

    /// Page `number` (0 = the newest ten records), or nil past the oldest record.
    public static func page(number: Int, totalRecords: Int) -> AuditLogPage? {
        let (skip, overflow) = number.multipliedReportingOverflow(by: recordsPerRead)
        guard number >= 0, !overflow else { return nil }
        return page(skippingNewest: skip, totalRecords: totalRecords)
    }

    /// The page's records, newest first, from a `ReadRecords(page.startIndex)` answer in AMT's
    /// oldest-first order. Records past `page.count` (newer than the page) are dropped; if AMT
    /// returned fewer (the log changed between calls), all returned records are used.
    public static func newestFirst<Record>(_ returned: [Record], page: AuditLogPage) -> [Record] {
        Array(returned.prefix(max(0, page.count)).reversed())
    }
}
