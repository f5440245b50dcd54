public import Foundation

extension AMTService {
    /// `log/audit`: the page of records that skips the `skipNewest` newest ones, newest first,
    /// and the total count (wsman.md §3.9, without the reference's off-by-one: the newest
    /// record is on page 0).
    public func auditLog(guid: String, skipNewest: Int) async throws(AMTError) -> AuditLogPageResult {
        guard skipNewest >= 0 else {
            throw .invalidArgument(field: "startIndex", reason: "must be 0 or more")
        }
        var calls = self.calls(guid)
        let probe = try await self.readAuditRecords(&calls, start: AuditLogPaging.probeStartIndex)
        guard let page = AuditLogPaging.page(skippingNewest: skipNewest, totalRecords: probe.total) else {
            return AuditLogPageResult(totalCount: probe.total, records: [])
        }
        let read =
            page.startIndex == AuditLogPaging.probeStartIndex
            ? probe : try await self.readAuditRecords(&calls, start: page.startIndex)
        var decoded: [AuditLogRecord] = []
        for text in read.records {
            do {
                decoded.append(try AuditLogDecoder.decode(base64Record: text))
            } catch {
                throw .unexpectedResponse("audit record: \(error)")
            }
        }
        return AuditLogPageResult(
            totalCount: read.total, records: AuditLogPaging.newestFirst(decoded, page: page))
    }

    private func readAuditRecords(_ calls: inout DeviceCalls, start: Int) async throws(AMTError)
        -> (total: Int, records: [String])
    {
        let out = try await calls.invoke(
            "AMT_AuditLog", "ReadRecords", [("StartIndex", .text(String(start)))])
        guard out.returnValue == 0 else {
            throw .unexpectedResponse("ReadRecords returned \(AMTReturnValue.name(out.returnValue))")
        }
        guard let totalText = out.output.child("TotalRecordCount")?.trimmedText, let total = Int(totalText),
            total >= 0
        else { throw .unexpectedResponse("ReadRecords returned no TotalRecordCount") }
        // One record comes back as one element: always a list here.
        return (total, out.output.children(named: "EventRecords").map(\.trimmedText))
    }

    /// Bound on GetRecords batches: the log holds 390 records, so a few batches suffice.
    static let maxEventLogBatches = 64

    /// `log/event`: every record, newest first as AMT serves them (W15, then W16 until
    /// NoMoreRecords, where the reference reads one batch).
    public func eventLog(guid: String) async throws(AMTError) -> [EventLogRecord] {
        var calls = self.calls(guid)
        let first = try await calls.invoke("AMT_MessageLog", "PositionToFirstRecord", [])
        guard first.returnValue == 0, var iteration = first.output.child("IterationIdentifier")?.trimmedText
        else {
            throw .unexpectedResponse("PositionToFirstRecord failed")
        }
        var texts: [String] = []
        for _ in 0..<Self.maxEventLogBatches {
            let batch = try await calls.invoke(
                "AMT_MessageLog", "GetRecords",
                [("IterationIdentifier", .text(iteration)), ("MaxReadRecords", .text("390"))])
            guard batch.returnValue == 0 else {
                throw .unexpectedResponse("GetRecords returned \(AMTReturnValue.name(batch.returnValue))")
            }
            texts += batch.output.children(named: "RecordArray").map(\.trimmedText)
            let noMore = batch.output.child("NoMoreRecords")?.trimmedText.lowercased()
            guard noMore == "false", let next = batch.output.child("IterationIdentifier")?.trimmedText else {
                return try Self.decodeEvents(texts)
            }
            iteration = next
        }
        throw .unexpectedResponse("the event log did not end")
    }

    private static func decodeEvents(_ texts: [String]) throws(AMTError) -> [EventLogRecord] {
        do {
            return try EventLogDecoder.decodeLog(base64Records: texts)
        } catch {
            throw .unexpectedResponse("event record: \(error)")
        }
    }
}
