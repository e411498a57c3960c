BEGIN TRANSACTION;
CREATE TABLE access_log (
	id INTEGER NOT NULL, 
	at VARCHAR(32) NOT NULL, 
	actor VARCHAR(128) NOT NULL, 
	role VARCHAR(32) NOT NULL, 
	action VARCHAR(64) NOT NULL, 
	subject VARCHAR(18), 
	purpose TEXT NOT NULL, 
	detail TEXT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "access_log" VALUES(1,'2024-06-01T00:00:00+00:00','operator','operator','subject.register','11010519491231002X','operator console','{}');
INSERT INTO "access_log" VALUES(2,'2024-06-01T00:00:00+00:00','operator','operator','event.record','11010519491231002X','operator console','{"event": 1, "rule": "traffic-violation"}');
INSERT INTO "access_log" VALUES(3,'2024-06-01T00:00:00+00:00','operator','operator','score.read','11010519491231002X','operator console','{"as_of": "2024-06-01", "scheme": "rongcheng"}');
CREATE TABLE api_tokens (
	token_hash VARCHAR(64) NOT NULL, 
	principal VARCHAR(128) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	PRIMARY KEY (token_hash)
);
INSERT INTO "api_tokens" VALUES('3adefb10fa2c54993c5f6cd23a91643530a0b68f9a990ef7517db39640cff698','root','admin','2024-06-01T00:00:00+00:00');
CREATE TABLE authorities (
	id VARCHAR(128) NOT NULL, 
	name TEXT NOT NULL, 
	kind VARCHAR(64) NOT NULL, 
	jurisdiction VARCHAR(128) NOT NULL, 
	registered VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "authorities" VALUES('rongcheng-tax-bureau','Rongcheng Municipal Tax Bureau','tax','rongcheng','2024-06-01T00:00:00+00:00');
INSERT INTO "authorities" VALUES('rongcheng-market-regulation','Rongcheng Administration for Market Regulation','market-regulator','rongcheng','2024-06-01T00:00:00+00:00');
INSERT INTO "authorities" VALUES('rongcheng-people-court','Rongcheng People''s Court','court','rongcheng','2024-06-01T00:00:00+00:00');
INSERT INTO "authorities" VALUES('rongcheng-credit-office','Rongcheng Social Credit Office','credit-office','rongcheng','2024-06-01T00:00:00+00:00');
INSERT INTO "authorities" VALUES('rail-police','Railway Public Security Bureau','police','national','2024-06-01T00:00:00+00:00');
INSERT INTO "authorities" VALUES('airport-police','Civil Aviation Public Security Bureau','police','national','2024-06-01T00:00:00+00:00');
INSERT INTO "authorities" VALUES('rongcheng-traffic-police','Rongcheng Public Security Bureau, Traffic Police Brigade','police','rongcheng','2024-06-01T00:00:00+00:00');
INSERT INTO "authorities" VALUES('rongcheng-review-board','Rongcheng Credit Review Board','review-board','rongcheng','2024-06-01T00:00:00+00:00');
INSERT INTO "authorities" VALUES('rongcheng-appeals-board','Rongcheng Credit Appeals Board','review-board','rongcheng','2024-06-01T00:00:00+00:00');
INSERT INTO "authorities" VALUES('credit-bureau','Licensed personal credit bureau','credit-bureau','national','2024-06-01T00:00:00+00:00');
INSERT INTO "authorities" VALUES('public-security-identity','Resident identity verification service of the public security bureau','police','national','2024-06-01T00:00:00+00:00');
INSERT INTO "authorities" VALUES('dongshan-committee','Dongshan Villagers'' Committee','villagers-committee','dongshan','2024-06-01T00:00:00+00:00');
CREATE TABLE events (
	id INTEGER NOT NULL, 
	type VARCHAR(32) NOT NULL, 
	subject VARCHAR(18) NOT NULL, 
	authority VARCHAR(128) NOT NULL, 
	occurred DATE NOT NULL, 
	recorded VARCHAR(32) NOT NULL, 
	scheme VARCHAR(64), 
	version VARCHAR(64), 
	rule VARCHAR(128), 
	points INTEGER NOT NULL, 
	ends DATE, 
	cap VARCHAR(32), 
	evidence_kind VARCHAR(64), 
	evidence_ref TEXT, 
	evidence_sha256 VARCHAR(64), 
	reverses INTEGER, 
	reason TEXT, 
	data TEXT NOT NULL, 
	dedup TEXT, 
	prev_hash VARCHAR(64) NOT NULL, 
	hash VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_events_dedup UNIQUE (dedup), 
	FOREIGN KEY(subject) REFERENCES subjects (id)
);
INSERT INTO "events" VALUES(1,'score','11010519491231002X','rongcheng-traffic-police','2024-01-02','2024-06-01T00:00:00+00:00','rongcheng','2014.1','traffic-violation',-5,'2025-01-02',NULL,'traffic-ticket','x',NULL,NULL,NULL,'{}','28bf0048c54fd8728a42520f5464779eebe976da','0000000000000000000000000000000000000000000000000000000000000000','960dc970e5196e5501780a8420cc8d3d8b5ceabf5319bf7073ee789f3c270992');
CREATE TABLE meta (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "meta" VALUES('schema','1');
INSERT INTO "meta" VALUES('log_private_key','67bab42223b28da1a84ef42eed46b6ed9ea07d2eceb15ea421ed2ea8e272a8a6');
CREATE TABLE rulebooks (
	scheme VARCHAR(64) NOT NULL, 
	version VARCHAR(64) NOT NULL, 
	effective DATE NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	source TEXT NOT NULL, 
	published VARCHAR(32) NOT NULL, 
	PRIMARY KEY (scheme, version)
);
INSERT INTO "rulebooks" VALUES('enterprise','2014.1','2014-01-01','points','57175e60ddd70329937d57be09131e6f856c08f9173baa2ac2e7fce6ddb34032','# Rongcheng enterprise credit (SYSTEM.md §1: companies are subjects too).
# Organisations are identified by their 18-character Unified Social Credit Code.
scheme = "enterprise"
title = "Rongcheng enterprise credit points"
version = "2014.1"
effective = 2014-01-01
publisher = "Rongcheng Social Credit Office"
legal_basis = "Rongcheng Municipal Measures on Enterprise Credit Management (2014); Interim Regulations on Enterprise Information Disclosure (State Council Decree 654)"
kind = "points"
subjects = "organisation"
base = 1000
range = [0, 2000]
retention = "P3Y"

[[grades]]
grade = "AAA"
min = 1050

[[grades]]
grade = "AA"
min = 1030
max = 1049

[[grades]]
grade = "A"
min = 960
max = 1029

[[grades]]
grade = "B"
min = 850
max = 959

[[grades]]
grade = "C"
min = 600
max = 849

[[grades]]
grade = "D"
max = 599

[[authorities]]
id = "rongcheng-tax-bureau"
name = "Rongcheng Municipal Tax Bureau"
kind = "tax"
jurisdiction = "rongcheng"

[[authorities]]
id = "rongcheng-market-regulation"
name = "Rongcheng Administration for Market Regulation"
kind = "market-regulator"
jurisdiction = "rongcheng"

[[authorities]]
id = "rongcheng-people-court"
name = "Rongcheng People''s Court"
kind = "court"
jurisdiction = "rongcheng"

[[authorities]]
id = "rongcheng-credit-office"
name = "Rongcheng Social Credit Office"
kind = "credit-office"
jurisdiction = "rongcheng"

[[rules]]
code = "taxes-paid-on-time"
title = "All taxes of the fiscal year paid on time"
points = 10
category = "tax"
legal_basis = "Tax Collection Administration Law art. 31; Measures art. 8"
evidence = ["tax-clearance-certificate"]
lasts = "P1Y"
authorities = ["rongcheng-tax-bureau"]

[[rules]]
code = "tax-arrears"
title = "Taxes overdue by more than 90 days"
points = -30
category = "tax"
legal_basis = "Tax Collection Administration Law art. 32, 40; Measures art. 9"
evidence = ["tax-notice"]
lasts = "P2Y"
authorities = ["rongcheng-tax-bureau"]

[[rules]]
code = "product-quality-fine"
title = "Fine for substandard products"
points = -20
category = "product-quality"
legal_basis = "Product Quality Law art. 49-50; Measures art. 10"
evidence = ["penalty-decision"]
lasts = "P2Y"
authorities = ["rongcheng-market-regulation"]

[[rules]]
code = "sanitation-fine"
title = "Fine for unsanitary products or premises"
points = -20
category = "food-safety"
legal_basis = "Food Safety Law art. 122-126; Measures art. 10"
evidence = ["penalty-decision"]
lasts = "P2Y"
authorities = ["rongcheng-market-regulation"]

[[rules]]
code = "court-judgment-unfulfilled"
title = "Failure to fulfil an effective court judgment"
points = -100
category = "judicial"
legal_basis = "Civil Procedure Law art. 255; Measures art. 11"
evidence = ["court-judgment"]
lasts = "P3Y"
cap_grade = "C"
authorities = ["rongcheng-people-court"]

[[rules]]
code = "exemplary-business"
title = "City award for an exemplary business"
points = 30
category = "award"
legal_basis = "Measures art. 20"
evidence = ["award-certificate"]
lasts = "P3Y"
authorities = ["rongcheng-credit-office"]

[[perks]]
code = "public-tender-fast-track"
title = "Fewer hoops in public tenders"
grades = ["AAA", "AA"]

[[perks]]
code = "preferential-loan-terms"
title = "Better loan terms at partner banks"
grades = ["AAA", "AA"]

[[examples]]
name = "three years of taxes on time plus an award: AA"
as_of = 2021-06-01
expect_score = 1040
expect_grade = "AA"
expect_perks = ["public-tender-fast-track", "preferential-loan-terms"]
[[examples.events]]
rule = "taxes-paid-on-time"
occurred = 2021-03-31
[[examples.events]]
rule = "exemplary-business"
occurred = 2020-05-01

[[examples]]
name = "an unfulfilled judgment caps the company at C"
as_of = 2021-06-01
expect_score = 930
expect_grade = "C"
expect_capped = true
expect_perks = []
[[examples.events]]
rule = "court-judgment-unfulfilled"
occurred = 2021-01-15
[[examples.events]]
rule = "exemplary-business"
occurred = 2020-05-01

[[examples]]
name = "two fines partly offset by taxes paid on time: still A"
as_of = 2021-06-01
expect_score = 970
expect_grade = "A"
[[examples.events]]
rule = "sanitation-fine"
occurred = 2021-02-01
[[examples.events]]
rule = "product-quality-fine"
occurred = 2021-03-01
[[examples.events]]
rule = "taxes-paid-on-time"
occurred = 2021-03-31
','2024-06-01T00:00:00+00:00');
INSERT INTO "rulebooks" VALUES('court-defaulters','2017.1','2017-05-01','list','76b6211265e4c8e44b8fbfa35696c901feaf9c7b5ead0a05c50a0226d21408b0','# The court list of judgment defaulters (SYSTEM.md §4). An entry names the judgment and
# the obligation unmet; it takes effect only after the defaulter was notified and the
# notice period passed, and it is removed the day the obligation is fulfilled.
kind = "list"
list = "court-defaulters"
list_kind = "black"
title = "List of dishonest judgment defaulters"
version = "2017.1"
effective = 2017-05-01
publisher = "Rongcheng People''s Court"
legal_basis = "Supreme People''s Court Provisions on Announcing the List of Dishonest Judgment Defaulters (2017 revision), art. 1-10; Civil Procedure Law art. 255"
subjects = "any"
sectors = ["judicial"]
fields = ["case_number", "court", "judgment_date", "obligation"]
evidence = ["court-judgment"]
max_duration = "P2Y"
notice = "P10D"
remedy = "fulfil the obligation in the judgment; the court records the certificate of performance and the entry is removed the same day"
remedy_evidence = ["performance-certificate", "payment-receipt"]

[[authorities]]
id = "rongcheng-people-court"
name = "Rongcheng People''s Court"
kind = "court"
jurisdiction = "rongcheng"
','2024-06-01T00:00:00+00:00');
INSERT INTO "rulebooks" VALUES('honour-roll','2016.1','2016-01-01','list','7aec875f45f484fef840547cde90d71ea0fe61ff2ed7571228aa7b34a7379ed7','# The red list: exemplary residents and organisations. A person appears on the public
# honour board only with their recorded consent (SYSTEM.md §6: boards are opt-in).
kind = "list"
list = "honour-roll"
list_kind = "red"
title = "Rongcheng honour roll"
version = "2016.1"
effective = 2016-01-01
publisher = "Rongcheng Social Credit Office"
legal_basis = "Rongcheng Measures on Incentives for Trustworthiness (2016), art. 4-7"
subjects = "any"
sectors = ["civic"]
fields = ["citation"]
evidence = ["award-certificate"]
max_duration = "P1Y"
notice = "P0D"
remedy = "not a restriction"
remedy_evidence = []
public_board = true

[[authorities]]
id = "rongcheng-credit-office"
name = "Rongcheng Social Credit Office"
kind = "credit-office"
jurisdiction = "rongcheng"
','2024-06-01T00:00:00+00:00');
INSERT INTO "rulebooks" VALUES('tax-arrears','2016.1','2016-07-01','list','8c64e978023e5dbadb37e7d2676af984d0f13ac189d1ad1a5393c9311587514f','# Organisations with serious tax arrears (SYSTEM.md §1, §4).
kind = "list"
list = "tax-arrears"
list_kind = "black"
title = "List of organisations with serious tax arrears"
version = "2016.1"
effective = 2016-07-01
publisher = "Rongcheng Municipal Tax Bureau"
legal_basis = "Measures for the Administration of Information on Major Tax Violations (SAT Announcement 2016 No. 24), art. 5-9; Tax Collection Administration Law art. 32"
subjects = "organisation"
sectors = ["tax", "public-procurement"]
fields = ["tax_notice", "amount_due", "due_date"]
evidence = ["tax-notice"]
max_duration = "P3Y"
notice = "P15D"
remedy = "pay the arrears and late fees; the tax bureau records the clearance certificate and the entry is removed"
remedy_evidence = ["tax-clearance-certificate"]

[[authorities]]
id = "rongcheng-tax-bureau"
name = "Rongcheng Municipal Tax Bureau"
kind = "tax"
jurisdiction = "rongcheng"
','2024-06-01T00:00:00+00:00');
INSERT INTO "rulebooks" VALUES('transport-misconduct','2018.1','2018-05-01','list','231b1f542205226bda39d3e768fc570649e666f297c65f89410d01e59288283f','# Restrictions for serious misconduct in transport (SYSTEM.md §4, effective 1 May 2018):
# causing trouble on flights, smoking on trains, using expired tickets, spreading false
# terrorism information. At most one year.
kind = "list"
list = "transport-misconduct"
list_kind = "black"
title = "Restriction list for serious transport misconduct"
version = "2018.1"
effective = 2018-05-01
publisher = "National Development and Reform Commission, Civil Aviation Administration, China Railway"
legal_basis = "Opinions on Restricting Seriously Untrustworthy Persons from Taking Trains and Flights for a Certain Period (NDRC Caijin [2018] No. 384), art. 1-2"
subjects = "person"
sectors = ["transport"]
fields = ["incident", "place", "decision_number"]
evidence = ["penalty-decision"]
max_duration = "P1Y"
notice = "P0D"
remedy = "the restriction ends at its maximum end; pay any fine imposed and keep the receipt for a dispute"
remedy_evidence = ["payment-receipt"]

[[authorities]]
id = "rail-police"
name = "Railway Public Security Bureau"
kind = "police"
jurisdiction = "national"

[[authorities]]
id = "airport-police"
name = "Civil Aviation Public Security Bureau"
kind = "police"
jurisdiction = "national"
','2024-06-01T00:00:00+00:00');
INSERT INTO "rulebooks" VALUES('joint-sanctions','2018.1','2017-05-01','memorandum','4675a23c83cae45f645bd342d04d898d68ef0d552b8fa4644052a0e904529a6e','# Joint sanctions (SYSTEM.md §4): one list''s restrictions applied at other services, but
# only by a clause with a legal basis that names the service''s sector. Every clause
# passes `socialcredit memo check --strict-context`.
kind = "memorandum"
memorandum = "joint-sanctions"
title = "Memorandum on joint sanctions against seriously untrustworthy conduct"
version = "2018.1"
effective = 2017-05-01
publisher = "44 central government departments (joint memorandum)"
legal_basis = "Memorandum of Understanding on Joint Sanctions against Dishonest Judgment Defaulters (Fagaicaijin [2016] No. 141); State Council Opinions (Guofa [2016] No. 33)"

[[services]]
id = "flight"
sector = "transport"
title = "Plane tickets"

[[services]]
id = "high-speed-rail"
sector = "transport"
title = "High-speed rail tickets"

[[services]]
id = "luxury-hotel"
sector = "hospitality"
title = "Star-rated hotels"

[[services]]
id = "golf"
sector = "leisure"
title = "Golf courses"

[[services]]
id = "civil-service-hiring"
sector = "public-employment"
title = "Civil-service recruitment"

[[services]]
id = "private-school-enrolment"
sector = "education"
title = "Enrolment of children in high-fee private schools"

[[services]]
id = "public-tender"
sector = "public-procurement"
title = "Participation in public tenders"

[[verifiers]]
id = "airline-demo"
title = "Demo airline"
services = ["flight"]

[[verifiers]]
id = "rail-demo"
title = "Demo railway ticket office"
services = ["high-speed-rail"]

[[verifiers]]
id = "hotel-demo"
title = "Demo hotel"
services = ["luxury-hotel"]

[[verifiers]]
id = "procurement-demo"
title = "Demo public procurement office"
services = ["public-tender"]

[[clauses]]
id = "court-defaulters-high-consumption"
effect = "deny"
list = "court-defaulters"
services = ["flight", "high-speed-rail", "luxury-hotel", "golf", "private-school-enrolment"]
legal_basis = "SPC Provisions on Restricting High Consumption and Related Consumption of Judgment Debtors (2015), art. 3(1)-(7): flights, soft sleepers and first-class high-speed rail, star-rated hotels, golf courses, high-fee private schools"
basis_sectors = ["transport", "hospitality", "leisure", "education"]

[[clauses]]
id = "court-defaulters-civil-service"
effect = "deny"
list = "court-defaulters"
services = ["civil-service-hiring"]
legal_basis = "Memorandum Fagaicaijin [2016] No. 141, measure 2(1): restriction on recruitment as civil servants"
basis_sectors = ["public-employment"]

[[clauses]]
id = "transport-misconduct-travel"
effect = "deny"
list = "transport-misconduct"
services = ["flight", "high-speed-rail"]
legal_basis = "NDRC Caijin [2018] No. 384, art. 1-2: restriction on taking trains and flights"
lasts = "P1Y"

[[clauses]]
id = "tax-arrears-tenders"
effect = "deny"
list = "tax-arrears"
services = ["public-tender"]
legal_basis = "Memorandum on Joint Sanctions against Parties Responsible for Major Tax Violations (Fagaicaijin [2014] No. 3062), measure 1: restriction on public procurement"
basis_sectors = ["public-procurement"]

[[examples]]
name = "a notified defaulter cannot fly once the notice period is over"
as_of = 2024-06-01
service = "flight"
expect = "deny"
expect_reasons = ["deny:court-defaulters-high-consumption"]
[[examples.entries]]
list = "court-defaulters"
notified = 2024-05-01

[[examples]]
name = "during the notice period nothing is restricted"
as_of = 2024-05-05
service = "flight"
expect = "allow"
[[examples.entries]]
list = "court-defaulters"
notified = 2024-05-01

[[examples]]
name = "remedy lifts every restriction at once"
as_of = 2024-06-01
service = "civil-service-hiring"
expect = "allow"
[[examples.entries]]
list = "court-defaulters"
notified = 2024-01-01
remedied = 2024-05-20

[[examples]]
name = "an entry expires at its maximum end of two years after taking effect"
as_of = 2026-01-11
service = "luxury-hotel"
expect = "allow"
[[examples.entries]]
list = "court-defaulters"
notified = 2024-01-01

[[examples]]
name = "transport misconduct bars trains for at most a year"
as_of = 2024-06-01
service = "high-speed-rail"
expect = "deny"
expect_reasons = ["deny:transport-misconduct-travel"]
[[examples.entries]]
list = "transport-misconduct"
notified = 2024-02-01

[[examples]]
name = "transport misconduct does not reach hotels"
as_of = 2024-06-01
service = "luxury-hotel"
expect = "allow"
[[examples.entries]]
list = "transport-misconduct"
notified = 2024-02-01

[[examples]]
name = "an unlisted person is allowed"
as_of = 2024-06-01
service = "golf"
expect = "allow"
','2024-06-01T00:00:00+00:00');
INSERT INTO "rulebooks" VALUES('rewards','2016.1','2014-01-01','memorandum','79b6edbcdbd6fea24b8771ef9eaa4abb4bfc8662a13de7a8f71333ab9cb1d102','# Joint rewards (SYSTEM.md §1, §3, §4): perks for good standing, red-list benefits.
# Benefits never restrict anyone; they are granted by grade, score threshold or red list.
kind = "memorandum"
memorandum = "rewards"
title = "Incentives for trustworthiness"
version = "2016.1"
effective = 2014-01-01
publisher = "Rongcheng Social Credit Office and partner service providers"
legal_basis = "Rongcheng Measures on Incentives for Trustworthiness (2016); State Council Opinions on Joint Incentives for Trustworthiness (Guofa [2016] No. 33), part II"

[[services]]
id = "bike-rental-deposit-free"
sector = "municipal-services"
title = "Public bike rental without deposit (90 minutes free)"

[[services]]
id = "heating-discount"
sector = "municipal-utilities"
title = "Winter heating discount"

[[services]]
id = "small-shopping-loan"
sector = "consumer-credit"
title = "Small shopping loan up to 5,000 yuan"

[[services]]
id = "car-rental-deposit-free"
sector = "rental"
title = "Car rental without deposit, faster hotel check-in, VIP airport check-in"

[[services]]
id = "cash-loan"
sector = "consumer-credit"
title = "Cash loan up to 50,000 yuan"

[[services]]
id = "travel-visa-simplified"
sector = "travel-documents"
title = "Simplified travel-visa application"

[[services]]
id = "schengen-visa-fast-track"
sector = "travel-documents"
title = "Fast-tracked Schengen visa application"

[[services]]
id = "public-tender-fast-track"
sector = "public-procurement"
title = "Fewer hoops in public tenders"

[[verifiers]]
id = "bike-demo"
title = "Demo public bike rental"
services = ["bike-rental-deposit-free"]

[[verifiers]]
id = "heating-demo"
title = "Demo heating company"
services = ["heating-discount"]

[[verifiers]]
id = "lender-demo"
title = "Demo consumer lender"
services = ["small-shopping-loan", "cash-loan"]

[[verifiers]]
id = "travel-demo"
title = "Demo travel agency"
services = ["car-rental-deposit-free", "travel-visa-simplified", "schengen-visa-fast-track"]

[[verifiers]]
id = "procurement-demo"
title = "Demo public procurement office"
services = ["public-tender-fast-track"]

[[clauses]]
id = "rongcheng-aaa-bike"
effect = "benefit"
scheme = "rongcheng"
grades = ["AAA"]
services = ["bike-rental-deposit-free", "heating-discount"]
legal_basis = "Rongcheng Measures on Incentives for Trustworthiness art. 9"

[[clauses]]
id = "sesame-600"
effect = "benefit"
scheme = "sesame"
min_score = 600
services = ["small-shopping-loan"]
legal_basis = "Scorecard publisher''s published perk terms, threshold 600"

[[clauses]]
id = "sesame-650"
effect = "benefit"
scheme = "sesame"
min_score = 650
services = ["car-rental-deposit-free"]
legal_basis = "Scorecard publisher''s published perk terms, threshold 650"

[[clauses]]
id = "sesame-666"
effect = "benefit"
scheme = "sesame"
min_score = 666
services = ["cash-loan"]
legal_basis = "Scorecard publisher''s published perk terms, threshold 666"

[[clauses]]
id = "sesame-700"
effect = "benefit"
scheme = "sesame"
min_score = 700
services = ["travel-visa-simplified"]
legal_basis = "Scorecard publisher''s published perk terms, threshold 700"

[[clauses]]
id = "sesame-750"
effect = "benefit"
scheme = "sesame"
min_score = 750
services = ["schengen-visa-fast-track"]
legal_basis = "Scorecard publisher''s published perk terms, threshold 750"

[[clauses]]
id = "honour-roll-tenders"
effect = "benefit"
list = "honour-roll"
subjects = "organisation"
services = ["public-tender-fast-track"]
legal_basis = "Guofa [2016] No. 33, part II(3): simplified procedures in public procurement for trustworthy entities"

[[examples]]
name = "AAA residents rent bikes without deposit"
as_of = 2024-06-01
service = "bike-rental-deposit-free"
expect = "benefit"
expect_reasons = ["benefit:rongcheng-aaa-bike"]
grades = { rongcheng = "AAA" }

[[examples]]
name = "grade A gets the ordinary terms"
as_of = 2024-06-01
service = "bike-rental-deposit-free"
expect = "allow"
grades = { rongcheng = "A" }

[[examples]]
name = "a scorecard of 666 unlocks the cash loan"
as_of = 2024-06-01
service = "cash-loan"
expect = "benefit"
scores = { sesame = 666 }

[[examples]]
name = "665 does not"
as_of = 2024-06-01
service = "cash-loan"
expect = "allow"
scores = { sesame = 665 }

[[examples]]
name = "an honour-roll company is fast-tracked in tenders"
as_of = 2024-06-01
service = "public-tender-fast-track"
subject_kind = "organisation"
expect = "benefit"
[[examples.entries]]
list = "honour-roll"
notified = 2024-03-01
','2024-06-01T00:00:00+00:00');
INSERT INTO "rulebooks" VALUES('rongcheng','2014.1','2014-01-01','points','6d8d32443b26b8546bdaf2a1ab0f945d8947e7203ddc60e1c9ff748d21c58af1','# Rongcheng municipal credit points (SYSTEM.md §1).
# Every adult resident starts at 1,000 points; points change only by these published
# rules, each backed by an official document from the office allowed to issue it.
scheme = "rongcheng"
title = "Rongcheng municipal credit points"
version = "2014.1"
effective = 2014-01-01
publisher = "Rongcheng Social Credit Office"
legal_basis = "Rongcheng Municipal Measures on Personal Credit Points (2014), published in the city gazette"
kind = "points"
subjects = "person"
base = 1000
range = [0, 2000]
# A record stops being shown three years after its effect ends (credit repair, SYSTEM.md §4).
retention = "P3Y"

[[grades]]
grade = "AAA"
title = "A+++ exemplary"
min = 1050

[[grades]]
grade = "AA"
title = "A++ excellent"
min = 1030
max = 1049

[[grades]]
grade = "A"
title = "A trustworthy"
min = 960
max = 1029

[[grades]]
grade = "B"
title = "B relatively trustworthy"
min = 850
max = 959

[[grades]]
grade = "C"
title = "C warning"
min = 600
max = 849

[[grades]]
grade = "D"
title = "D untrustworthy"
max = 599

[[authorities]]
id = "rongcheng-traffic-police"
name = "Rongcheng Public Security Bureau, Traffic Police Brigade"
kind = "police"
jurisdiction = "rongcheng"

[[authorities]]
id = "rongcheng-credit-office"
name = "Rongcheng Social Credit Office"
kind = "credit-office"
jurisdiction = "rongcheng"

[[authorities]]
id = "rongcheng-people-court"
name = "Rongcheng People''s Court"
kind = "court"
jurisdiction = "rongcheng"

# Reviewers decide disputes (a second board hears appeals); they issue no rules.
[[authorities]]
id = "rongcheng-review-board"
name = "Rongcheng Credit Review Board"
kind = "review-board"
jurisdiction = "rongcheng"

[[authorities]]
id = "rongcheng-appeals-board"
name = "Rongcheng Credit Appeals Board"
kind = "review-board"
jurisdiction = "rongcheng"

[[rules]]
code = "traffic-violation"
title = "Traffic violation with a ticket"
points = -5
category = "traffic"
legal_basis = "Road Traffic Safety Law of the PRC, art. 87-90; Measures art. 12"
evidence = ["traffic-ticket"]
lasts = "P1Y"
authorities = ["rongcheng-traffic-police"]
excusing = ["medical-emergency"]

[[rules]]
code = "drunk-driving"
title = "Driving while intoxicated (criminal conviction or administrative penalty)"
points = -50
category = "traffic"
legal_basis = "Road Traffic Safety Law of the PRC, art. 91; Measures art. 13"
evidence = ["penalty-decision", "court-judgment"]
lasts = "P2Y"
cap_grade = "C"
authorities = ["rongcheng-traffic-police"]

[[rules]]
code = "court-judgment-defaulted"
title = "Failure to fulfil an effective court judgment"
points = -50
category = "judicial"
legal_basis = "Civil Procedure Law of the PRC, art. 255; Measures art. 15"
evidence = ["court-judgment"]
lasts = "P3Y"
authorities = ["rongcheng-people-court"]

[[rules]]
code = "fine-unpaid"
title = "Administrative fine not paid by its due date"
points = -10
category = "administrative"
legal_basis = "Administrative Penalty Law of the PRC, art. 72; Measures art. 14"
evidence = ["penalty-decision"]
lasts = "P1Y"
authorities = ["rongcheng-traffic-police", "rongcheng-credit-office"]
excusing = ["hospitalisation", "payment-to-wrong-account"]

[[rules]]
code = "city-award"
title = "City-level award (heroic act, exemplary business, helping family in hard times)"
points = 30
category = "award"
legal_basis = "Measures art. 20"
evidence = ["award-certificate"]
lasts = "P3Y"
authorities = ["rongcheng-credit-office"]

[[rules]]
code = "department-award"
title = "Department-level award"
points = 5
category = "award"
legal_basis = "Measures art. 21"
evidence = ["award-certificate"]
lasts = "P2Y"
authorities = ["rongcheng-credit-office"]

[[rules]]
code = "volunteer-service"
title = "Registered volunteer service (per certified 20 hours)"
points = 2
category = "volunteering"
legal_basis = "Measures art. 22"
evidence = ["volunteer-certificate"]
lasts = "P1Y"
authorities = ["rongcheng-credit-office"]

[[rules]]
code = "charity-donation"
title = "Donation to a registered charity (per receipt)"
points = 3
category = "charity"
legal_basis = "Measures art. 23; Charity Law of the PRC"
evidence = ["donation-receipt"]
lasts = "P1Y"
authorities = ["rongcheng-credit-office"]

[[perks]]
code = "bike-rental-deposit-free"
title = "Public bike rental without deposit, free for the first 90 minutes"
grades = ["AAA"]

[[perks]]
code = "heating-discount"
title = "Winter heating discount"
grades = ["AAA"]

[[perks]]
code = "preferential-loan-terms"
title = "Preferential bank-loan terms at partner banks"
grades = ["AAA", "AA"]

[[examples]]
name = "a new resident starts at 1000, grade A"
as_of = 2020-01-01
expect_score = 1000
expect_grade = "A"
expect_perks = []

[[examples]]
name = "one traffic ticket costs 5 points for exactly one year"
as_of = 2020-06-30
expect_score = 995
expect_grade = "A"
[[examples.events]]
rule = "traffic-violation"
occurred = 2020-01-10

[[examples]]
name = "the ticket no longer counts on its end day"
as_of = 2021-01-10
expect_score = 1000
expect_grade = "A"
[[examples.events]]
rule = "traffic-violation"
occurred = 2020-01-10

[[examples]]
name = "drunk driving drops a person straight to C while in force"
as_of = 2020-06-01
expect_score = 980
expect_grade = "C"
expect_capped = true
expect_perks = []
[[examples.events]]
rule = "city-award"
occurred = 2019-05-01
[[examples.events]]
rule = "drunk-driving"
occurred = 2020-01-10

[[examples]]
name = "two city awards make AAA, with the AAA perks"
as_of = 2021-01-01
expect_score = 1060
expect_grade = "AAA"
expect_perks = ["bike-rental-deposit-free", "heating-discount", "preferential-loan-terms"]
[[examples.events]]
rule = "city-award"
occurred = 2020-03-01
[[examples.events]]
rule = "city-award"
occurred = 2020-09-01

[[examples]]
name = "a corrected ticket counts for nothing"
as_of = 2020-06-01
expect_score = 1030
expect_grade = "AA"
expect_perks = ["preferential-loan-terms"]
[[examples.events]]
id = 1
rule = "traffic-violation"
occurred = 2020-01-10
[[examples.events]]
id = 2
rule = "city-award"
occurred = 2020-02-01
[[examples.events]]
id = 3
reverses = 1
rule = "traffic-violation"
occurred = 2020-03-01
','2024-06-01T00:00:00+00:00');
INSERT INTO "rulebooks" VALUES('sesame','2015.1','2015-01-28','scorecard','9120dcb82fef5040052490fd37e7ee25e8aae4cac67941475e0e3771d0bbe23f','# A transparent scorecard in the 350-950 range of Sesame credit (SYSTEM.md §3).
# Unlike the original, the algorithm is published: three factors, each from the
# subject''s own evidence-backed records over each record''s lifetime. There is no
# "behaviour and preference" and no "interpersonal relationships" factor: the policy
# validator rejects both (SYSTEM.md §6).
scheme = "sesame"
title = "Transparent consumer credit scorecard"
version = "2015.1"
effective = 2015-01-28
publisher = "Scorecard Publishing Office (licensed personal credit bureau)"
legal_basis = "Regulation on the Administration of the Credit Reporting Industry (2013), art. 13-22"
kind = "scorecard"
subjects = "person"
base = 350
range = [350, 950]
retention = "P5Y"

[[grades]]
grade = "excellent"
min = 700

[[grades]]
grade = "very-good"
min = 650
max = 699

[[grades]]
grade = "good"
min = 600
max = 649

[[grades]]
grade = "fair"
min = 550
max = 599

[[grades]]
grade = "poor"
max = 549

[[authorities]]
id = "credit-bureau"
name = "Licensed personal credit bureau"
kind = "credit-bureau"
jurisdiction = "national"

[[authorities]]
id = "public-security-identity"
name = "Resident identity verification service of the public security bureau"
kind = "police"
jurisdiction = "national"

[[rules]]
code = "bill-paid-on-time"
title = "Bill paid on or before its due date"
category = "credit-history"
legal_basis = "Credit Reporting Regulation art. 13"
evidence = ["creditor-statement"]
lasts = "P2Y"
authorities = ["credit-bureau"]

[[rules]]
code = "bill-overdue"
title = "Bill overdue by more than 30 days"
category = "credit-history"
legal_basis = "Credit Reporting Regulation art. 13, 16 (negative information kept at most 5 years)"
evidence = ["creditor-statement"]
lasts = "P2Y"
authorities = ["credit-bureau"]
excusing = ["hospitalisation", "payment-to-wrong-account"]

[[rules]]
code = "contract-fulfilled"
title = "Contract obligation fulfilled (lease, instalment plan, rental returned)"
category = "fulfilment-capacity"
legal_basis = "Credit Reporting Regulation art. 13"
evidence = ["creditor-statement", "court-judgment"]
lasts = "P2Y"
authorities = ["credit-bureau"]

[[rules]]
code = "contract-breached"
title = "Contract obligation breached (established by statement or judgment)"
category = "fulfilment-capacity"
legal_basis = "Credit Reporting Regulation art. 13, 16"
evidence = ["creditor-statement", "court-judgment"]
lasts = "P2Y"
authorities = ["credit-bureau"]

[[rules]]
code = "identity-verified"
title = "Identity data verified against the resident ID"
category = "identity"
legal_basis = "Credit Reporting Regulation art. 13"
evidence = ["identity-check"]
lasts = "P3Y"
authorities = ["public-security-identity"]

[[factors]]
code = "payment-history"
title = "Credit history: share of bills paid on time"
category = "credit-history"
measure = "ratio"
numerator = ["bill-paid-on-time"]
denominator = ["bill-paid-on-time", "bill-overdue"]
empty_points = 100
bins = [
  { from = 0, points = 0 },
  { from = 50, points = 100 },
  { from = 80, points = 200 },
  { from = 95, points = 300 },
]

[[factors]]
code = "contract-fulfilment"
title = "Fulfilment capacity: share of contract obligations fulfilled"
category = "fulfilment-capacity"
measure = "ratio"
numerator = ["contract-fulfilled"]
denominator = ["contract-fulfilled", "contract-breached"]
empty_points = 100
bins = [
  { from = 0, points = 0 },
  { from = 60, points = 100 },
  { from = 90, points = 200 },
]

[[factors]]
code = "identity"
title = "Personal characteristics: identity verified"
category = "identity"
measure = "count"
numerator = ["identity-verified"]
bins = [
  { from = 0, points = 0 },
  { from = 1, points = 100 },
]

[[perks]]
code = "small-shopping-loan"
title = "Small shopping loan up to 5,000 yuan"
min_score = 600

[[perks]]
code = "car-rental-deposit-free"
title = "Car rental without deposit, faster hotel check-in, VIP airport check-in"
min_score = 650

[[perks]]
code = "cash-loan"
title = "Cash loan up to 50,000 yuan"
min_score = 666

[[perks]]
code = "travel-visa-simplified"
title = "Simplified travel-visa application"
min_score = 700

[[perks]]
code = "schengen-visa-fast-track"
title = "Fast-tracked Schengen visa application"
min_score = 750

[[examples]]
name = "no records: base plus the empty-ratio points"
as_of = 2020-01-01
expect_score = 550
expect_grade = "fair"
expect_perks = []

[[examples]]
name = "verified identity and a clean payment record reach 850"
as_of = 2020-06-01
expect_score = 850
expect_grade = "excellent"
expect_perks = ["small-shopping-loan", "car-rental-deposit-free", "cash-loan", "travel-visa-simplified", "schengen-visa-fast-track"]
[[examples.events]]
rule = "identity-verified"
occurred = 2019-01-01
[[examples.events]]
rule = "bill-paid-on-time"
occurred = 2020-01-05
[[examples.events]]
rule = "bill-paid-on-time"
occurred = 2020-02-05

[[examples]]
name = "one overdue bill in two: 50 percent on time"
as_of = 2020-06-01
expect_score = 650
expect_grade = "very-good"
expect_perks = ["small-shopping-loan", "car-rental-deposit-free"]
[[examples.events]]
rule = "identity-verified"
occurred = 2019-01-01
[[examples.events]]
rule = "bill-paid-on-time"
occurred = 2020-01-05
[[examples.events]]
rule = "bill-overdue"
occurred = 2020-02-05

[[examples]]
name = "an overdue bill stops counting after two years"
as_of = 2022-02-05
expect_score = 650
expect_grade = "very-good"
[[examples.events]]
rule = "identity-verified"
occurred = 2020-01-01
[[examples.events]]
rule = "bill-overdue"
occurred = 2020-02-05
','2024-06-01T00:00:00+00:00');
INSERT INTO "rulebooks" VALUES('village','2016.1','2016-01-01','points','864b50c51d1847a4f2c3eba4712e6672470d6d344499093b76ed73f397da75f9','# A village scheme (SYSTEM.md §2): rewards only, for the subject''s own conduct.
# Top scorers may appear on the honour board, and only if they consent (a later list).
scheme = "village"
title = "Dongshan village civilised-family points"
version = "2016.1"
effective = 2016-01-01
publisher = "Dongshan Villagers'' Committee"
legal_basis = "Dongshan Village Rules and Covenant (adopted by the villagers'' assembly, 2015), under the Organic Law of the Villagers'' Committees art. 27"
kind = "points"
subjects = "person"
base = 100
range = [0, 200]
retention = "P1Y"

[[grades]]
grade = "civilised-family"
title = "Civilised family"
min = 120

[[grades]]
grade = "member"
title = "Village member"
max = 119

[[authorities]]
id = "dongshan-committee"
name = "Dongshan Villagers'' Committee"
kind = "villagers-committee"
jurisdiction = "dongshan"

[[rules]]
code = "caring-for-elderly-parents"
title = "Caring for one''s elderly parents (attested by the committee after a home visit)"
points = 10
category = "family-care"
legal_basis = "Law on the Protection of the Rights and Interests of the Elderly art. 14; Covenant art. 5"
evidence = ["committee-attestation"]
lasts = "P1Y"
authorities = ["dongshan-committee"]

[[rules]]
code = "helping-neighbours"
title = "Helping neighbours in need (harvest, repairs, care)"
points = 5
category = "mutual-aid"
legal_basis = "Covenant art. 6"
evidence = ["committee-attestation"]
lasts = "P1Y"
authorities = ["dongshan-committee"]

[[rules]]
code = "village-volunteering"
title = "Volunteer work for the village (per certified day)"
points = 2
category = "volunteering"
legal_basis = "Covenant art. 7"
evidence = ["committee-attestation"]
lasts = "P1Y"
authorities = ["dongshan-committee"]

[[perks]]
code = "honour-board"
title = "Eligible for the village honour board (only with the resident''s consent)"
grades = ["civilised-family"]

[[examples]]
name = "care for parents and two neighbourly acts reach the honour board"
as_of = 2017-06-01
expect_score = 120
expect_grade = "civilised-family"
expect_perks = ["honour-board"]
[[examples.events]]
rule = "caring-for-elderly-parents"
occurred = 2017-01-15
[[examples.events]]
rule = "helping-neighbours"
occurred = 2017-03-01
[[examples.events]]
rule = "helping-neighbours"
occurred = 2017-04-01

[[examples]]
name = "after a year the points lapse"
as_of = 2018-04-02
expect_score = 100
expect_grade = "member"
expect_perks = []
[[examples.events]]
rule = "caring-for-elderly-parents"
occurred = 2017-01-15
[[examples.events]]
rule = "helping-neighbours"
occurred = 2017-04-01
','2024-06-01T00:00:00+00:00');
CREATE TABLE subject_keys (
	subject VARCHAR(18) NOT NULL, 
	"key" BLOB NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	PRIMARY KEY (subject)
);
INSERT INTO "subject_keys" VALUES('11010519491231002X',X'AA6B3877256B987C63E4F6074F5165125D5E3279F8BDC34B2A198D87E04A3650','2024-06-01T00:00:00+00:00');
CREATE TABLE subjects (
	id VARCHAR(18) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	name TEXT NOT NULL, 
	registered VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "subjects" VALUES('11010519491231002X','person','sealed:v1:rDS6+4g4unK1oYk9XcVtCje8vtVjkX4bnwJkY05ekoo5llqXDnk=','2024-06-01T00:00:00+00:00');
CREATE TABLE tree_heads (
	size INTEGER NOT NULL, 
	root VARCHAR(64) NOT NULL, 
	timestamp VARCHAR(32) NOT NULL, 
	signature VARCHAR(128) NOT NULL, 
	PRIMARY KEY (size)
);
INSERT INTO "tree_heads" VALUES(1,'7092b6a1f835e9449fc1cc16ca2dc48ebca55fb54073754273780aa90307eea7','2024-06-01T00:00:00+00:00','5f55ff1d8e07ca2c5e6bf79c673d84f67b20f697fbbc5f839297d5f17d58881ac9e84869b41bfb981f34184718e1b00ff43b50e85bc5da310712e0bda742f905');
CREATE INDEX ix_access_subject ON access_log (subject);
CREATE INDEX ix_events_subject_scheme ON events (subject, scheme);
CREATE INDEX ix_events_reverses ON events (reverses);
CREATE TRIGGER rulebooks_no_update BEFORE UPDATE ON rulebooks BEGIN SELECT RAISE(ABORT, 'rulebooks is append-only'); END;
CREATE TRIGGER rulebooks_no_delete BEFORE DELETE ON rulebooks BEGIN SELECT RAISE(ABORT, 'rulebooks is append-only'); END;
CREATE TRIGGER subjects_no_update BEFORE UPDATE ON subjects BEGIN SELECT RAISE(ABORT, 'subjects is append-only'); END;
CREATE TRIGGER subjects_no_delete BEFORE DELETE ON subjects BEGIN SELECT RAISE(ABORT, 'subjects is append-only'); END;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads BEGIN SELECT RAISE(ABORT, 'tree_heads is append-only'); END;
CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads BEGIN SELECT RAISE(ABORT, 'tree_heads is append-only'); END;
COMMIT;
