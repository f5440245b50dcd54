public import Foundation

/// How the store writes instants: ISO-8601 UTC text with milliseconds
/// (`2026-12-04T08:30:00.123Z`). Text sorts in time order and reads well in the sqlite3 shell.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Parses ISO-8601 with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
            return date
        }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
