-- Loaded by tests/guide/check_guide.py into the real tshark:
--   tshark -r CAPTURE [-2] -q -X lua_script:claims.lua -X lua_script1:FILTERS
-- FILTERS holds one display filter a line. Each becomes a tap listener, which tshark runs on the
-- same tree and in the same pass as -Y (the second pass with -2), so its frames are the frames
-- `tshark -r CAPTURE [-2] -Y FILTER` prints. At the end, one line per filter, in order:
--   N<TAB>frame,frame,...      or      N<TAB>ERROR message
local path = ({...})[1]
local hits, errors, n = {}, {}, 0
for line in io.lines(path) do
  n = n + 1
  local id = n
  hits[id] = {}
  local ok, l = pcall(Listener.new, nil, line)
  if ok then
    l.packet = function(pinfo) hits[id][#hits[id] + 1] = pinfo.number end
  else
    errors[id] = tostring(l):gsub("\n", " ")
  end
end
-- one more listener prints everything when tshark draws the taps, after the last packet
local last = Listener.new(nil, "frame.number == 0")
last.draw = function()
  for id = 1, n do
    if errors[id] then print(id .. "\tERROR " .. errors[id])
    else print(id .. "\t" .. table.concat(hits[id], ",")) end
  end
end
