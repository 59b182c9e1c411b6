-- portredirect.lua: Wireshark/tshark post-dissector for the portredirect redirect extension.
--
-- TCP: RFC 6994 experimental option, kind 253, ExID 0x5244, then flags (1 byte) and an
--      optional REDIRECT_OPT port (2 bytes); length 5 (flags only) or 7 (flags + port).
-- UDP: the same fields as an RFC 9868 EXP option (kind 127, ExID 0x5244) in the surplus area
--      after the UDP length: [pad to 2 bytes from the UDP header] OCS (2 bytes), options. In
--      RFC 9868's extended-length form (kind, 255, 16-bit length) the fields follow the 16-bit
--      length; its data length must then be 3 or 5.
--
-- The post-dissector finds the outermost IP header through Wireshark's own ip/ipv6 fields and
-- then walks the bytes itself, with exactly the rules of io.portredirect.protocol.packet.
-- PacketParser, so `rdtool decode` and this dissector agree packet for packet (the tools
-- module's tests compare them on every pcap under testdata/). Fields:
--
--   portredirect.transport  "tcp" or "udp"         (whenever the option or a broken area is seen)
--   portredirect.flags      uint8                  (option present)
--   portredirect.redirect   boolean, flag 0x01     (option present)
--   portredirect.confirm    boolean, flag 0x02     (option present)
--   portredirect.port       uint16 REDIRECT_OPT    (option present with a port: length 7, extended data 5)
--   portredirect.malformed  reason code, e.g. REDIRECT_BAD_LENGTH (the item text says why)
--
-- Use: tshark -X lua_script:portredirect.lua -r capture.pcap -Y portredirect
--      or copy it to ~/.local/lib/wireshark/plugins/ (Wireshark loads it at start).

local TCP_KIND = 253
local UDP_KIND = 127
local EXID = 0x5244
local LEN_FLAGS_ONLY = 5
local LEN_WITH_PORT = 7
local UDP_OCS_LENGTH = 2
local UDP_EXTENDED_LENGTH = 255
-- bytes before an option's data: kind + length, or kind + 255 + 16-bit length (RedirectWire)
local OPTION_HEADER_LENGTH = 2
local UDP_EXTENDED_HEADER_LENGTH = 4

local PROTO_TCP = 6
local PROTO_UDP = 17

-- fragment positions, as PacketParser's ParsedPacket.Fragment
local FRAG_NONE, FRAG_FIRST, FRAG_NON_FIRST = 0, 1, 2

-- MalformedReason (protocol module): code -> the description Java prints
local REASONS = {
    TRUNCATED_OPTION = "option length byte missing",
    OPTION_LENGTH_TOO_SMALL = "option length below 2",
    OPTION_PAST_END = "option runs past the end of the option area",
    BAD_KNOWN_OPTION_LENGTH = "well-known option with wrong length",
    REDIRECT_BAD_LENGTH = "redirect option length not 5 or 7",
    REDIRECT_ZERO_PORT = "redirect option port 0",
    REDIRECT_DUPLICATE = "more than one redirect option",
    UDP_NO_OCS = "surplus area too short for the option checksum",
    UDP_BAD_OCS = "UDP option checksum mismatch",
}

-- fixed lengths of well-known TCP options (TcpOptionWalker.expectedLength)
local TCP_EXPECTED_LENGTH = { [2] = 4, [3] = 3, [4] = 2, [8] = 10 }
local TCP_SACK = 5

local rd = Proto("portredirect", "Port redirect extension")

local pf = {
    transport = ProtoField.string("portredirect.transport", "Transport"),
    length = ProtoField.uint16("portredirect.length", "Option length", base.DEC),
    exid = ProtoField.uint16("portredirect.exid", "Experiment ID", base.HEX),
    flags = ProtoField.uint8("portredirect.flags", "Flags", base.HEX),
    redirect = ProtoField.bool("portredirect.redirect", "REDIRECT", 8, nil, 0x01),
    confirm = ProtoField.bool("portredirect.confirm", "REDIRECT_CONFIRM", 8, nil, 0x02),
    port = ProtoField.uint16("portredirect.port", "REDIRECT_OPT (port)", base.DEC),
    malformed = ProtoField.string("portredirect.malformed", "Malformed"),
}
rd.fields = { pf.transport, pf.length, pf.exid, pf.flags, pf.redirect, pf.confirm, pf.port, pf.malformed }

local ef_malformed = ProtoExpert.new("portredirect.malformed.expert", "Malformed redirect option",
    expert.group.MALFORMED, expert.severity.WARN)
rd.experts = { ef_malformed }

local f_ip = Field.new("ip")
local f_ipv6 = Field.new("ipv6")

-- Result of one scan, mirroring RedirectOptionScan: status "absent" | "present" | "malformed".
local function new_scan(kind)
    return { kind = kind, status = "absent", reason = nil, off = -1, len = 0, hdr = 0, flags = 0, port = 0 }
end

local function mark_malformed(scan, why)
    scan.status = "malformed"
    scan.reason = why
    scan.flags = 0
    scan.port = 0
end

-- RedirectOptionScan.option: hdr is the bytes before the option's data; returns false to stop the walk
local function visit(scan, u8, off, kind, len, hdr)
    -- the extended UDP form's two extra length bytes shift every field: read it as if compact
    local shift = hdr - OPTION_HEADER_LENGTH
    local base = off + shift
    local clen = len - shift
    if kind ~= scan.kind or clen < 4 then
        return true
    end
    local exid = u8(base + 2) * 256 + u8(base + 3)
    if exid ~= EXID then
        return true
    end
    if scan.status ~= "absent" then
        mark_malformed(scan, "REDIRECT_DUPLICATE")
        return false
    end
    scan.off = off
    scan.len = len
    scan.hdr = hdr
    if clen ~= LEN_FLAGS_ONLY and clen ~= LEN_WITH_PORT then
        mark_malformed(scan, "REDIRECT_BAD_LENGTH")
        return true
    end
    local f = u8(base + 4)
    local p = 0
    if clen == LEN_WITH_PORT then
        p = u8(base + 5) * 256 + u8(base + 6)
        if p == 0 then
            mark_malformed(scan, "REDIRECT_ZERO_PORT")
            return true
        end
    end
    scan.status = "present"
    scan.flags = f
    scan.port = p
    return true
end

-- TcpOptionWalker.walk over [offset, offset + length): returns a reason code or nil
local function walk_tcp(u8, offset, length, scan)
    local stop = offset + length
    local p = offset
    while p < stop do
        local kind = u8(p)
        if kind == 0 then
            visit(scan, u8, p, kind, 1, 1)
            return nil
        end
        if kind == 1 then
            if not visit(scan, u8, p, kind, 1, 1) then return nil end
            p = p + 1
        else
            if p + 1 >= stop then return "TRUNCATED_OPTION" end
            local len = u8(p + 1)
            if len < 2 then return "OPTION_LENGTH_TOO_SMALL" end
            if p + len > stop then return "OPTION_PAST_END" end
            local expected = TCP_EXPECTED_LENGTH[kind]
            if expected and len ~= expected then return "BAD_KNOWN_OPTION_LENGTH" end
            if kind == TCP_SACK and (len - 2) % 8 ~= 0 then return "BAD_KNOWN_OPTION_LENGTH" end
            if not visit(scan, u8, p, kind, len, OPTION_HEADER_LENGTH) then return nil end
            p = p + len
        end
    end
    return nil
end

-- UdpOptionWalker.walk (RFC 9868 section 8), starting after the OCS
local function walk_udp(u8, offset, length, scan)
    local stop = offset + length
    local p = offset
    while p < stop do
        local kind = u8(p)
        if kind == 0 then
            visit(scan, u8, p, kind, 1, 1)
            return nil
        end
        if kind == 1 then
            if not visit(scan, u8, p, kind, 1, 1) then return nil end
            p = p + 1
        else
            if p + 1 >= stop then return "TRUNCATED_OPTION" end
            local len = u8(p + 1)
            local hdr = OPTION_HEADER_LENGTH
            if len == UDP_EXTENDED_LENGTH then
                hdr = UDP_EXTENDED_HEADER_LENGTH
                if p + 3 >= stop then return "TRUNCATED_OPTION" end
                len = u8(p + 2) * 256 + u8(p + 3)
                if len < UDP_EXTENDED_HEADER_LENGTH then return "OPTION_LENGTH_TOO_SMALL" end
            elseif len < 2 then
                return "OPTION_LENGTH_TOO_SMALL"
            end
            if p + len > stop then return "OPTION_PAST_END" end
            if not visit(scan, u8, p, kind, len, hdr) then return nil end
            p = p + len
        end
    end
    return nil
end

local function scan_area(walker, u8, offset, length, scan)
    local area_reason = walker(u8, offset, length, scan)
    if area_reason and scan.status ~= "malformed" then
        -- a broken area hides whatever follows the break: the option may not be trusted
        mark_malformed(scan, area_reason)
    end
end

-- RFC 1071 sum of [offset, offset + length), odd byte padded, folded to 16 bits
local function ones_sum(u8, offset, length)
    local s = 0
    local stop = offset + length
    local p = offset
    while p + 1 < stop do
        s = s + u8(p) * 256 + u8(p + 1)
        p = p + 2
    end
    if p < stop then
        s = s + u8(p) * 256
    end
    while s > 0xFFFF do
        s = (s % 0x10000) + math.floor(s / 0x10000)
    end
    return s
end

-- UdpOptionArea.ocsValid: a zero OCS means "not computed"
local function ocs_valid(u8, ocs, stop)
    if u8(ocs) == 0 and u8(ocs + 1) == 0 then
        return true
    end
    local s = ones_sum(u8, ocs, stop - ocs) + (stop - ocs)
    while s > 0xFFFF do
        s = (s % 0x10000) + math.floor(s / 0x10000)
    end
    return s == 0xFFFF
end

-- UdpOptionArea.scan over the surplus area [udp + ulen, ip_end)
local function scan_udp_surplus(u8, udp, ulen, ip_end, scan)
    local start = udp + ulen
    if ip_end <= start then
        return
    end
    local ocs = udp + ulen + (ulen % 2)
    scan.area_off = start
    scan.area_len = ip_end - start
    if ocs + UDP_OCS_LENGTH > ip_end then
        mark_malformed(scan, "UDP_NO_OCS")
        return
    end
    if not ocs_valid(u8, ocs, ip_end) then
        mark_malformed(scan, "UDP_BAD_OCS")
        return
    end
    local opts = ocs + UDP_OCS_LENGTH
    scan_area(walk_udp, u8, opts, ip_end - opts, scan)
end

-- PacketParser.walkIpv6Extensions: returns protocol, fragment, l4 offset; nil when truncated
local function ipv6_walk(u8, l3, ip_end)
    local nxt = u8(l3 + 6)
    local p = l3 + 40
    local frag = FRAG_NONE
    for _ = 1, 16 do
        local len
        if nxt == 0 or nxt == 43 or nxt == 60 or nxt == 135 then
            if p + 2 > ip_end then return nil end
            len = (u8(p + 1) + 1) * 8
        elseif nxt == 51 then
            if p + 2 > ip_end then return nil end
            len = (u8(p + 1) + 2) * 4
        elseif nxt == 44 then
            if p + 8 > ip_end then return nil end
            local off_mf = u8(p + 2) * 256 + u8(p + 3)
            if math.floor(off_mf / 8) ~= 0 then
                frag = FRAG_NON_FIRST
            elseif off_mf % 2 == 1 then
                frag = FRAG_FIRST
            end
            len = 8
        else
            return nxt, frag, p
        end
        if p + len > ip_end then return nil end
        nxt = u8(p)
        p = p + len
        if frag == FRAG_NON_FIRST then
            return nxt, frag, p
        end
    end
    return nil
end

-- Parses IP from l3 to the transport and scans for the option; returns the scan or nil.
local function scan_packet(u8, l3, stop)
    if l3 >= stop then return nil end
    local version = math.floor(u8(l3) / 16)
    local ip_end, proto, l4, frag
    if version == 4 then
        if stop - l3 < 20 then return nil end
        local ihl = (u8(l3) % 16) * 4
        if ihl < 20 or l3 + ihl > stop then return nil end
        local total = u8(l3 + 2) * 256 + u8(l3 + 3)
        if total < ihl or l3 + total > stop then return nil end
        ip_end = l3 + total
        proto = u8(l3 + 9)
        l4 = l3 + ihl
        local ff = u8(l3 + 6) * 256 + u8(l3 + 7)
        if ff % 0x2000 ~= 0 then
            frag = FRAG_NON_FIRST
        elseif math.floor(ff / 0x2000) % 2 == 1 then
            frag = FRAG_FIRST
        else
            frag = FRAG_NONE
        end
    elseif version == 6 then
        if stop - l3 < 40 then return nil end
        ip_end = l3 + 40 + u8(l3 + 4) * 256 + u8(l3 + 5)
        if ip_end > stop then return nil end
        proto, frag, l4 = ipv6_walk(u8, l3, ip_end)
        if not proto then return nil end
    else
        return nil
    end
    if frag == FRAG_NON_FIRST then return nil end
    local avail = ip_end - l4
    if proto == PROTO_TCP then
        if avail < 20 then return nil end
        local hlen = math.floor(u8(l4 + 12) / 16) * 4
        if hlen < 20 or hlen > avail then return nil end
        local scan = new_scan(TCP_KIND)
        scan.transport = "tcp"
        scan.area_off = l4 + 20
        scan.area_len = hlen - 20
        scan_area(walk_tcp, u8, l4 + 20, hlen - 20, scan)
        return scan
    elseif proto == PROTO_UDP then
        if avail < 8 then return nil end
        local ulen = u8(l4 + 4) * 256 + u8(l4 + 5)
        local whole = frag == FRAG_NONE
        if ulen < 8 or (whole and ulen > avail) then return nil end
        local scan = new_scan(UDP_KIND)
        scan.transport = "udp"
        if whole then
            scan_udp_surplus(u8, l4, ulen, ip_end, scan)
        end
        return scan
    end
    return nil
end

-- Offset of the outermost IP header in the frame, from Wireshark's own ip/ipv6 items.
local function outer_ip_offset(tvb)
    local best
    for _, field in ipairs({ f_ip, f_ipv6 }) do
        for _, fi in ipairs({ field() }) do
            local off = fi.offset
            -- items from another data source (reassembly, decompression) do not index this frame
            if off and (best == nil or off < best) and off + fi.len <= tvb:len()
                    and tostring(fi.range:bytes()) == tostring(tvb(off, fi.len):bytes()) then
                best = off
            end
        end
    end
    return best
end

function rd.dissector(tvb, pinfo, tree)
    local l3 = outer_ip_offset(tvb)
    if not l3 then return end
    local bytes = tvb:bytes()
    local function u8(i) return bytes:get_index(i) end
    local scan = scan_packet(u8, l3, tvb:len())
    if not scan or scan.status == "absent" then return end

    local item_range
    if scan.off >= 0 and scan.off + scan.len <= tvb:len() then
        item_range = tvb(scan.off, scan.len)
    elseif scan.area_off and scan.area_len and scan.area_len > 0 then
        item_range = tvb(scan.area_off, scan.area_len)
    end
    local sub = item_range and tree:add(rd, item_range) or tree:add(rd)
    sub:add(pf.transport, scan.transport):set_generated()

    if scan.status == "present" then
        -- the length byte, or the 16-bit length of the UDP extended form; the fields follow it
        local base = scan.off + scan.hdr - OPTION_HEADER_LENGTH
        if scan.hdr == UDP_EXTENDED_HEADER_LENGTH then
            sub:add(pf.length, tvb(scan.off + 2, 2))
        else
            sub:add(pf.length, tvb(scan.off + 1, 1))
        end
        sub:add(pf.exid, tvb(base + 2, 2))
        local flags_range = tvb(base + 4, 1)
        sub:add(pf.flags, flags_range)
        sub:add(pf.redirect, flags_range)
        sub:add(pf.confirm, flags_range)
        local text = {}
        if scan.flags % 2 == 1 then text[#text + 1] = "REDIRECT" end
        if math.floor(scan.flags / 2) % 2 == 1 then text[#text + 1] = "REDIRECT_CONFIRM" end
        local summary = #text > 0 and table.concat(text, "|") or "no flags"
        if scan.len - scan.hdr + OPTION_HEADER_LENGTH == LEN_WITH_PORT then
            sub:add(pf.port, tvb(base + 5, 2))
            summary = summary .. " port=" .. scan.port
        end
        sub:append_text(" (" .. scan.transport .. ", " .. summary .. ")")
        pinfo.cols.info:append(" [RD " .. summary .. "]")
    else
        local why = REASONS[scan.reason] or scan.reason
        sub:add(pf.malformed, scan.reason, "Malformed: " .. why .. " (" .. scan.reason .. ")")
        sub:add_proto_expert_info(ef_malformed, "Malformed redirect option: " .. why)
        sub:append_text(" (" .. scan.transport .. ", malformed)")
        pinfo.cols.info:append(" [RD malformed: " .. why .. "]")
    end
end

register_postdissector(rd)
