// SPDX-License-Identifier: Apache-2.0

extension SOAPElement {
    /// Limits that keep a hostile document from costing more than a bounded amount of memory.
    static let maxDepth = 64
    static let maxElements = 200_000

    /// Parses one complete XML document with namespace processing (``XMLReader``).
    ///
    /// Documents with a DOCTYPE are refused outright: SOAP 1.2 Part 1 §5 forbids a document
    /// type declaration, and refusing it rules out entity-expansion and external-entity attacks.
    /// - Throws: ``WSMANError/malformed(_:)`` naming the first problem (never echoing content).
    public static func parse(_ bytes: [UInt8]) throws(WSMANError) -> SOAPElement {
        try XMLReader.parse(bytes)
    }
}
