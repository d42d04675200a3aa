package feed

import (
	"os"
	"testing"
	"time"
	_ "time/tzdata" // the example site's zone, independent of the host

	"github.com/dropfeed/dropfeed/content"
)

// fixturesTree is a small site in the plain-text news format (title line,
// header lines, an optional photo caption, paragraphs, a "Source:" credit),
// plus one Markdown file, in two folders.
const fixturesTree = `
-- 2026-10-01-orchard-cooperative.txt --
Orchard cooperative buys its first electric press
Date: 2026-10-01 09:15:00 +0200
Author: Henrike Solberg
Tags: farming, business

The new press stands in the cooperative's barn at Kleinfeld. (Photo/Fixture Times)

Members of the Kleinfeld orchard cooperative voted in spring to replace the
diesel press that had served them for thirty-one years.

The electric press arrived last week. It runs on power from the panels on the
barn roof and presses twice as many crates an hour, the treasurer said.

The old press will go to the agricultural museum in Sankt Ulrich.

Source: Kleinfeld cooperative
-- 2026-10-03-choir-tour.txt --
Youth choir returns from its tour of the coast
Date: 2026-10-03T20:00:00Z
Updated: 2026-10-04T08:30:00Z
Author: Jonah Reyes
Tags: culture

Thirty-two singers aged eleven to seventeen came home on Saturday after nine
concerts in nine days.

The choir's director thanked the host families and the bus driver, who learned
every song by the third day.

Source: Fixture Times
-- sport/2026-10-02-rowing-club.txt --
Rowing club wins the autumn regatta on its home water
Date: 2026-10-02 16:00
Tags: sport

The eight of the Fixture rowing club beat eleven crews over two kilometres.

Source: Fixture Times
-- sport/2026-10-02-cycling-path.txt --
New cycling path links the two valleys
Date: 2026-10-02 16:00

The path follows the old railway line and is lit at night.
-- 2026-10-05-bakery.md --
---
title: Bakery on Mill Street celebrates a century
date: 2026-10-05T07:00:00+02:00
author: Ilse Varga
tags: [business, history]
summary: Four generations of the Brenner family have baked bread at the same oven.
---

The Brenner bakery opened in **1926**. Its wood-fired oven was rebuilt twice.

- rye loaves on Mondays;
- seed rolls every day.
-- council-winter-roads.txt --
Council publishes the winter road plan
Author: Council press office

Gritting starts on the hill roads first and reaches the town centre by six.
`

// quirksTree holds what tends to break feeds: markup-like and non-Latin
// titles, odd offsets, missing authors and summaries, relative links and
// images, an external link, tags with "&" and spaces, file names that need
// escaping, and characters XML cannot carry.
const quirksTree = `
-- q-and-a.md --
---
title: "Q&A: <b> & more"
date: 2026-09-01T12:00:00+05:45
author: Priya Shrestha
tags: ["R&D", "open data", "Q&A"]
summary: "Answers to <everything> & nothing."
---

Read the [guide](guide/), the [parent page](../other/), the [root](/about/),
the [section](#part-2) and the [mirror](//mirror.example.net/x).

![A chart](chart.png)
-- emphasis.md --
---
title: Use <em>emphasis</em> sparingly </b>
date: 2026-09-02T08:00:00-09:30
---

First paragraph without a summary in the front matter.
-- emoji.txt --
Lanterns 🏮 light the square for the festival 🎉
Date: 2026-09-03 19:00:00 +0000

The festival lasted until midnight.
-- arabic.txt --
مهرجان الخريف في الساحة القديمة
Date: 2026-09-04 10:00:00 +0300
Author: ليلى حداد

نص قصير عن المهرجان.
-- cjk.md --
---
title: 川沿いの図書館が夜間開館を始める
date: 2026-09-04T10:00:00+09:00
tags: [図書館]
---

図書館は平日の夜も開く。
-- linked.md --
---
title: A report worth reading elsewhere
date: 2026-09-05
link: https://elsewhere.example.org/report?id=7&lang=en
image: cover.jpg
tags: ["links & notes"]
---

We read the [report](https://elsewhere.example.org/report?id=7&lang=en) so you do not have to.
-- notes/field notes é.txt --
Field notes from the marsh
Date: 2026-09-06 06:00:00 +0100
Image: images/heron.jpg

A grey heron waited at the reed edge. (Photo/Field team)

Nothing else moved for an hour.
-- no-summary.md --
---
title: Only a list
date: 2026-09-07T00:00:00Z
---

- one
- two
`

// exampleSite is the example site's configuration (example/dropfeed.yaml)
// with a base URL of its own.
func exampleSite() Site {
	return Site{
		Title:       "Riverside Gazette",
		Description: "Local news from the Riverside valley, as feeds",
		BaseURL:     "https://riverside.example.org/",
		Author:      "Riverside Gazette newsroom",
		Language:    "en",
		MaxItems:    20,
	}
}

// exampleArticles loads the repository's example articles with the example
// configuration. Every example file carries its own date, so the result does
// not depend on the files' modification times.
func exampleArticles(t testing.TB) []*content.Article {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("time.LoadLocation(Europe/Berlin) error: %v", err)
	}
	o := content.DefaultOptions()
	o.Location = loc
	o.IDAuthority = "riverside.example.org"
	o.IDDate = "2026"
	o.Ignore = []string{"drafts/*"}
	arts := loadArticles(t, os.DirFS("../example/articles"), o)
	for _, a := range arts {
		if !a.Dated {
			t.Fatalf("example article %s has no date of its own; the golden would follow its mtime", a.Path)
		}
	}
	return arts
}

// scenario is one golden-file input.
type scenario struct {
	name string
	site Site
	arts func(testing.TB) []*content.Article
}

func scenarios() []scenario {
	return []scenario{
		{"example", exampleSite(), exampleArticles},
		{"fixtures", testSite(), func(t testing.TB) []*content.Article {
			return loadArticles(t, txtarFS(t, fixturesTree), testOptions())
		}},
		{"quirks", testSite(), func(t testing.TB) []*content.Article {
			return loadArticles(t, txtarFS(t, quirksTree), testOptions())
		}},
		{"empty", testSite(), func(t testing.TB) []*content.Article {
			return loadArticles(t, txtarFS(t, ""), testOptions())
		}},
	}
}
