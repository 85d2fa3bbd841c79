-- wrk: GET /integrations/instagram as the loaded users in turn, each with
-- its own JWT (bench/seed users), so every request reads another row.
local auth = {}
for line in io.lines(os.getenv("BENCH_JWTS")) do
	auth[#auth + 1] = "Bearer " .. line
end
local i = math.random(#auth)
-- The same endpoint as plain CGI is at another path (bench/run).
local path = os.getenv("BENCH_READ_PATH") or "/integrations/instagram"

function request()
	i = i % #auth + 1
	return wrk.format("GET", path,
	    { Authorization = auth[i] })
end
