-- wrk: POST /integrations/instagram/media, one image to publish now, as
-- the loaded users in turn (bench/seed users), each with its own JWT.
-- 201 is an image published end to end; a 202 means the job went on in
-- the background, so it is counted apart ("Accepted, not published") and
-- bench/run adds it to the errors, with wrk's own non-2xx.
local auth = {}
for line in io.lines(os.getenv("BENCH_JWTS")) do
	auth[#auth + 1] = "Bearer " .. line
end
local i = math.random(#auth)
local body = '{"imageUrl":"https://cdn.example.com/bench.jpg",' ..
    '"caption":"bench"}'
local threads = {}

function setup(thread)
	threads[#threads + 1] = thread
end

function init(args)
	unpublished = 0
end

function request()
	i = i % #auth + 1
	return wrk.format("POST", "/integrations/instagram/media",
	    { Authorization = auth[i],
	      ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
	if status >= 200 and status < 300 and status ~= 201 then
		unpublished = unpublished + 1
	end
end

function done(summary, latency, requests)
	local n = 0
	for _, t in ipairs(threads) do
		n = n + t:get("unpublished")
	end
	io.write(string.format("Accepted, not published: %d\n", n))
end
