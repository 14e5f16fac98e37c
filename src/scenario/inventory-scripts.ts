// The inventory scripts a scenario can name with `tickets.script`.
// KEYS[1] is the hash, ARGV[1] the total field, ARGV[2] the sold field, as the article calls it:
//   lua.Do(conn, "ticket_hash_key", "ticket_total_nums", "ticket_sold_nums")

export const TICKET_HASH_KEY = 'ticket_hash_key';
export const TICKET_TOTAL_FIELD = 'ticket_total_nums';
export const TICKET_SOLD_FIELD = 'ticket_sold_nums';

// The article's script, verbatim. `>=` lets it sell total + 1 tickets: it oversells by one.
export const SOURCE_SCRIPT = `local ticket_key = KEYS[1]
local ticket_total_key = ARGV[1]
local ticket_sold_key = ARGV[2]
local ticket_total_nums = tonumber(redis.call('HGET', ticket_key, ticket_total_key))
local ticket_sold_nums = tonumber(redis.call('HGET', ticket_key, ticket_sold_key))
-- 查看是否还有余票,增加订单数量,返回结果值
if(ticket_total_nums >= ticket_sold_nums) then
    return redis.call('HINCRBY', ticket_key, ticket_sold_key, 1)
end
return 0
`;

// The same script with the comparison fixed: sells exactly total.
export const FIXED_SCRIPT = `local ticket_key = KEYS[1]
local ticket_total_key = ARGV[1]
local ticket_sold_key = ARGV[2]
local ticket_total_nums = tonumber(redis.call('HGET', ticket_key, ticket_total_key))
local ticket_sold_nums = tonumber(redis.call('HGET', ticket_key, ticket_sold_key))
if (ticket_sold_nums < ticket_total_nums) then
    return redis.call('HINCRBY', ticket_key, ticket_sold_key, 1)
end
return 0
`;
