import DebtCore
import HTTPTypes
import Hummingbird
import Logging

/// Outermost middleware: a request id, security headers, the error shape of the contract, and one log
/// line per request (method, path without query, status, duration; never a header, body or token).
struct APIMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = String(Identifier.random().description.prefix(8))
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let api = APIError.from(error)
            if api.status == .internalServerError {
                context.logger.error("request failed", metadata: ["request_id": .string(id), "error": .string(String(describing: type(of: error)))])
            }
            response = try api.response(from: request, context: context)
        }
        for (name, value) in [(HTTPField.Name.requestID, id), (.contentTypeOptions, "nosniff"), (.frameOptions, "DENY"), (.referrerPolicy, "no-referrer")] {
            if let name { response.headers[name] = value }
        }
        response.headers[.cacheControl] = response.headers[.cacheControl] ?? "no-store"
        let ms = (ContinuousClock.now - start).components
        context.logger.info(
            "request", metadata: [
                "request_id": .string(id), "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "ms": .stringConvertible(Double(ms.seconds * 1000) + Double(ms.attoseconds) / 1e15),
            ])
        return response
    }
}

/// Token buckets per client address: `rate` requests a second, bursts of twice that; 429 beyond.
actor RateLimiter {
    private var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]
    let rate: Double
    let burst: Double

    init(rate: Double) {
        self.rate = rate
        burst = rate * 2
    }

    func allow(_ key: String) -> Bool {
        let now = ContinuousClock.now
        var b = buckets[key] ?? (burst, now)
        let elapsed = now - b.at
        b.tokens = min(burst, b.tokens + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        b.at = now
        let ok = b.tokens >= 1
        if ok { b.tokens -= 1 }
        buckets[key] = b
        if buckets.count > 100_000 { buckets.removeAll() }
        return ok
    }
}

/// Limits each client by its socket address (forwarding headers are not trusted: anyone can send them).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        guard await limiter.allow(context.clientAddress) else {
            var e = APIError(.tooManyRequests, "rate limit exceeded; slow down")
            e.headers[.retryAfter] = "1"
            throw e
        }
        return try await next(request, context)
    }
}
