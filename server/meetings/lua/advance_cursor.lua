-- Move the persister's cursor forward only, and trim what is safely in the database.
-- KEYS: cursor, stream   ARGV: id
local cur = redis.call('GET', KEYS[1])
local function parts(id)
  local ms, seq = string.match(id, '(%d+)-(%d+)')
  return tonumber(ms), tonumber(seq)
end
if cur then
  local cm, cs = parts(cur)
  local nm, ns = parts(ARGV[1])
  if nm < cm or (nm == cm and ns <= cs) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', 604800)
redis.call('XTRIM', KEYS[2], 'MINID', ARGV[1])
return 1
