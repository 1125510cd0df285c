-- Accept one ballot atomically. The only place a ballot is acknowledged (see
-- meetings.services.cast_vote): while the poll's state is missing or sealed for a rebuild the
-- generation check answers 'stale' and nothing is written.
-- KEYS: meta, eligible, voted, tally, stream, idem
-- ARGV: resident, idem_key, choices ("3,5"), ballot_uid, now_ms, expected_gen, channel, ttl
--       [, audit: "order|k|user agent\nip\n" — what the request's audit row needs beyond the
--       ballot; given, the entry is written as field "w" and the persister writes that row]
local resident, idem, choices, uid = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local idem_field = resident .. ':' .. idem
local first = redis.call('HGET', KEYS[6], idem_field)
if first then return {'dup', first} end
local meta = redis.call('HMGET', KEYS[1], 'status', 'gen', 'options', 'max', 'closes_ms', 'live', 'poll')
if not meta[1] then return {'stale', ''} end
if meta[2] ~= ARGV[6] then return {'stale', ''} end
if meta[1] ~= 'open' then return {'err', 'poll_closed'} end
if meta[5] and meta[5] ~= '' and tonumber(ARGV[5]) > tonumber(meta[5]) then
  return {'err', 'poll_closed'}
end
if redis.call('SISMEMBER', KEYS[2], resident) == 0 then return {'err', 'not_checked_in'} end
local prev = redis.call('HGET', KEYS[3], resident)
if prev then return {'err', 'already_voted', prev} end
local valid = {}
for opt in string.gmatch(meta[3], '[^,]+') do valid[opt] = true end
local picked, seen, n = {}, {}, 0
for opt in string.gmatch(choices, '[^,]+') do
  if not valid[opt] or seen[opt] then return {'err', 'bad_choice'} end
  seen[opt] = true
  n = n + 1
  picked[n] = opt
end
if n == 0 or n > tonumber(meta[4]) then return {'err', 'too_many_choices'} end
redis.call('HSET', KEYS[3], resident, uid)
for i = 1, n do redis.call('HINCRBY', KEYS[4], picked[i], 1) end
local ballots = redis.call('HINCRBY', KEYS[4], 'ballots', 1)
local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
-- One field per entry ("uid|resident|choices|ms|key", the key last: it may hold '|'): the
-- persister parses every entry in Python, and fewer strings per entry make that cheaper.
-- With audit facts ("w"): "uid|resident|choices|ms|order|k|user agent\nip\nkey" (a header
-- value holds no newline; the key, last, may hold anything).
if ARGV[9] then
  redis.call('XADD', KEYS[5], '*', 'w', uid .. '|' .. resident .. '|' .. choices .. '|'
             .. ARGV[5] .. '|' .. ARGV[9] .. idem)
else
  redis.call('XADD', KEYS[5], '*', 'v', uid .. '|' .. resident .. '|' .. choices .. '|'
             .. ARGV[5] .. '|' .. idem)
end
-- The answer carries the recorded choices: a retry with the same key (the phone keeps it
-- across option changes) learns which choice was counted.
local answer = uid .. '|' .. ARGV[5] .. '|' .. choices
redis.call('HSET', KEYS[6], idem_field, answer)
local ttl = tonumber(ARGV[8])
for i = 1, 6 do redis.call('EXPIRE', KEYS[i], ttl) end
-- Live polls publish their counts; hidden ones only how many have voted.
local payload
if meta[6] == '1' then
  payload = cjson.encode({type = 'tally', poll = tonumber(meta[7]), v = v, ballots = ballots,
                          counts = redis.call('HGETALL', KEYS[4])})
else
  payload = cjson.encode({type = 'tally', poll = tonumber(meta[7]), v = v, ballots = ballots})
end
redis.call('PUBLISH', ARGV[7], 'tally\ttally:' .. meta[7] .. '\t' .. payload)
return {'ok', answer}
