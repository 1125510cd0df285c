-- Set the paper/show-of-hands count of options and announce the tally.
-- KEYS: meta, tally   ARGV: channel, option1, count1, option2, count2, ...
local poll = redis.call('HGET', KEYS[1], 'poll')
if not poll then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[2], 'p:' .. ARGV[i], ARGV[i + 1]) end
local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
local ballots = tonumber(redis.call('HGET', KEYS[2], 'ballots') or '0')
local payload
if redis.call('HGET', KEYS[1], 'live') == '1' then
  payload = cjson.encode({type = 'tally', poll = tonumber(poll), v = v, ballots = ballots,
                          counts = redis.call('HGETALL', KEYS[2])})
else
  payload = cjson.encode({type = 'tally', poll = tonumber(poll), v = v, ballots = ballots})
end
redis.call('PUBLISH', ARGV[1], 'tally\ttally:' .. poll .. '\t' .. payload)
return v
