-- wrk: POST /oauth/instagram/exchange end to end.  Each line of
-- $BENCH_EXCHANGES (bench/seed exchanges) is one user's JWT, a fresh
-- state and a fresh code; both are single use, so each wrk thread takes
-- its own share of the lines and never repeats one.  A thread that runs
-- out starts over, and those requests fail (400): size the file for the
-- run.
local nthreads = 0

function setup(thread)
	thread:set("id", nthreads)
	nthreads = nthreads + 1
end

function init(args)
	local n = tonumber(os.getenv("BENCH_THREADS"))
	local k = 0
	reqs = {}
	for line in io.lines(os.getenv("BENCH_EXCHANGES")) do
		if k % n == id then
			local jwt, state, code = line:match("(%S+) (%S+) (%S+)")
			reqs[#reqs + 1] = wrk.format("POST",
			    "/oauth/instagram/exchange",
			    { Authorization = "Bearer " .. jwt,
			      ["Content-Type"] = "application/json" },
			    '{"code":"' .. code .. '","state":"' .. state .. '"}')
		end
		k = k + 1
	end
	i = 0
end

function request()
	i = i % #reqs + 1
	return reqs[i]
end
