-- wrk script for bench/run-all: every request carries the IMDSv2 token
-- (fetched beforehand with curl along the same path) and, for the
-- new-connection-per-request runs, "Connection: close"; at the end one
-- line of results that run-all parses.
--   IMDS_TOKEN  the token      BENCH_PATH  the path (default instance-id)
--   BENCH_CLOSE 1: close after each request    BENCH_LABEL  a name
local token = os.getenv("IMDS_TOKEN") or ""
local path = os.getenv("BENCH_PATH") or "/latest/meta-data/instance-id"
local close = os.getenv("BENCH_CLOSE") == "1"
local label = os.getenv("BENCH_LABEL") or "-"

function init(args)
	local h = {}
	if token ~= "" then
		h["X-aws-ec2-metadata-token"] = token
	end
	if close then
		h["Connection"] = "close"
	end
	req = wrk.format("GET", path, h)
end

function request()
	return req
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %s requests=%d duration_us=%d " ..
	    "rps=%.1f p50_us=%d p99_us=%d mean_us=%.1f errors=%d " ..
	    "non2xx=%d\n", label, summary.requests, summary.duration,
	    summary.requests / summary.duration * 1e6,
	    latency:percentile(50), latency:percentile(99), latency.mean,
	    e.connect + e.read + e.write + e.timeout, e.status))
end
