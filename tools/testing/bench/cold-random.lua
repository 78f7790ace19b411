-- SPDX-License-Identifier: GPL-2.0
--
-- wrk -s cold-random.lua URL -- N: each request asks for one of N files,
-- /cold/fNNNNN.bin, chosen at random.  Each wrk thread has its own fixed
-- seed, so that every server is asked for the same sequence of files.

local threads = 0

function setup(thread)
	thread:set("id", threads)
	threads = threads + 1
end

function init(args)
	n = tonumber(args[1]) or 1
	math.randomseed(1303 + 7919 * (id or 0))
end

function request()
	return wrk.format("GET", string.format("/cold/f%05d.bin", math.random(0, n - 1)))
end
