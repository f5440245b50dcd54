// SPDX-License-Identifier: Apache-2.0

public import HTTP

extension RPCDispatcher {
    /// The HTTP answer to a POSTed JSON-RPC body: 200 with the JSON response, errors included
    /// (never 500), or 204 with no body when only notifications were sent.
    public func httpResponse(body: [UInt8], context: RPCContext) async -> HTTPResponse {
        guard let bytes = await self.handle(body: body, context: context) else {
            return HTTPResponse(status: 204)
        }
        return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: bytes)
    }
}
