"""Everyday lower-case words that an acronym may spell: ``RAG`` is "rag", ``CLIP`` is "clip", ``MoE`` is "moe".

"Explain terms" reads such acronyms only where they are written in capitals (see ``bot.explain``), so that "a
rag" or "a paper clip" in a message is not taken for a glossary term. The list is fixed (not the machine's
dictionary) so the rule is the same everywhere: common English words of two to six letters, and a few words
that are ordinary lower-case words in chat ("moe", "bon", "meh"). A word missing here only means that its
acronym is also found in lower case, as every other term is.
"""

from __future__ import annotations

_TEXT = """
a ab ace act ad add ado aft age ago aid ail aim air ale all am an and ant any ape apt arc are ark arm art as
ash ask asp at ate awe awl axe aye
bad bag ban bar bat bay be bed bee beg bet bib bid big bin bit boa bob bog boo bow box boy bud bug bum bun bus
but buy by bye
cab cad can cap car cat cod cog con cop cot cow coy cry cub cud cue cup cur cut
dab dad dam day den dew did die dig dim din dip do doc doe dog don dot dry dub dud due dug dun duo dye
ear eat ebb egg ego elf elk elm emu end era eve ewe eye
fad fan far fat fax fed fee few fib fig fin fir fit fix flu fly foe fog for fox fry fun fur
gag gal gap gas gel gem get gig gin go god got gum gun gut guy gym
had hag ham has hat hay he hem hen her hew hey hid him hip his hit hob hog hop hot how hub hue hug hum hut
ice icy id if ill imp in ink inn ion ire irk is it its ivy
jab jag jam jar jaw jay jet jig job jog jot joy jug jut
keg ken key kid kin kit
lab lad lag lap law lax lay led leg let lid lie lip lit lob log lot low lug
mad man map mar mat maw may me men met mid mix mob mod mom mop mow mud mug mum my
nab nag nap net new nib nil nip nit no nod nor not now nun nut
oaf oak oar oat odd of off oft oh oil ok old on one opt or orb ore our out owe owl own ox
pad pal pan pap par pat paw pay pea peg pen pep per pet pew pie pig pin pit ply pod pop pot pow pro pry pub
pug pun pup pus put
rag ram ran rap rat raw ray red ref rib rid rig rim rip rob rod roe rot row rub rue rug rum run rut rye
sad sag sap sat saw say sea see set sew she shy sin sip sir sit six ski sky sly so sob sod son sow soy spa
spy sty sub sue sum sun sup
tab tad tag tan tap tar tax tea ten the thy tic tie tin tip to toe ton too top tot tow toy try tub tug two
up urn us use
van vat vet vex via vie vow
wad wag war was wax way we web wed wet who why wig win wit woe wok won woo wow
yak yam yap yaw yea yes yet yew you
zap zed zen zip zoo
able acid acre acts aged aide aids aims airy ajar akin alas ally alms also alto amid amps apex arch area
arms army arts atom aunt auto avid away axis
baby back bait bake bald ball band bang bank bare bark barn base bash bass bath bead beak beam bean bear beat
beef been beer bell belt bend bent best bias bike bile bill bind bird bite blob blog blot blow blue blur boar
boat body boil bold bolt bomb bond bone book boom boon boot bore born boss both bout bowl brag brew brim buck
bulb bulk bull bump bunk buoy burn bury bush bust busy butt buzz
cafe cage cake calf call calm came camp cane cape card care cart case cash cask cast cave cell chat chef
chin chip chop cite city clad clam clan clap claw clay clip clog club clue coal coat code coil coin cold
colt comb come cone cook cool cope copy cord core cork corn cost cosy coup cove crab crew crib crop crow
cube cued cuff cult curb cure curl cute
dame damp dare dark darn dart dash data date dawn days dead deaf deal dean dear debt deck deed deem deep
deer deft demo deny desk dial dice diet dine dire dirt disc dish disk dive dock does doll dome done doom door
dose dove down doze drab drag draw drew drip drop drug drum dual duck duct duel duke dull duly dumb dump dune
dusk dust duty
each earl earn ease east easy eats echo edge edit else emit envy epic even ever evil exam exit expo eyed
face fact fade fail fair fake fall fame fang fare farm fast fate fawn fear feat feed feel feet fell felt fern
feud file fill film find fine fire firm fish fist five flag flap flat flaw flea fled flew flip flop flow foam
foil fold folk fond font food fool foot ford fore fork form fort foul four fowl free frog from fuel full fume
fund fuse fuss
gait gale gall game gang gape garb gate gave gaze gear gene gift gild gill gist give glad glow glue goal goat
goes gold golf gone gong good gown grab gram gray grew grey grid grim grin grip grit grow grub gulf gull gust
hack hail hair half hall halt hand hang hard hare harm harp hash haste hate haul have hawk haze hazy head heal
heap hear heat heel held hell helm help herb herd here hero hers hide high hike hill hilt hind hint hire hold
hole holy home hone hood hook hoop hope horn hose host hour howl huge hull hump hung hunt hurt hush hymn
icon idea idle idol inch info into iron isle item
jack jade jail jazz jeep jerk jest jobs join joke jolt jump june junk jury just
keen keep kelp kept kick kill kind king kiss kite knee knew knit knob knot know
lace lack lady laid lake lamb lame lamp land lane lard last late lava lawn lazy lead leaf leak lean leap left
lend lens lent less liar lick life lift like limb lime limp line link lint lion list live load loaf loan lock
loft logo lone long look loom loop loot lord lore lose loss lost loud love luck lump lung lure lurk lush lust
made maid mail main make male mall malt mane many mare mark mars mash mask mass mast mate math maze meal mean
meat meek meet meld melt memo mend menu mere mesh mess mice mild mile milk mill mime mind mine mint miss mist
mitt moan moat mock mode mold mole monk mood moon moor more moss most moth move much muck mule muse mush
must mute myth
nail name nave navy near neat neck need neon nest news next nice nick nine node none noon norm nose note noun
oath obey odds odor ogre oils okay omen omit once only onto ooze open oral oven over owed
pace pack pact page paid pail pain pair pale palm pane pang park part pass past path pave peak peal pear peat
peek peel peer pelt pest pick pier pile pill pine pink pint pipe pity plan play plea plot plow ploy plug plum
plus poem poet pole poll polo pond pony pool poor pope pore pork port pose post pour pray prey prod prom prop
pull pulp pump punk pure push
quit quiz
race rack raft rage raid rail rain rake ramp rang rank rant rare rash rate rave read real ream reap rear reed
reef reel rely rent rest rice rich ride rift ring riot ripe rise risk rite road roam roar robe rock rode role
roll roof room root rope rose rosy rout rude ruin rule rung rush rust
sack safe saga sage said sail sake sale salt same sand sane sang sank sash save scan scar seal seam seat sect
seed seek seem seen self sell send sent shed ship shoe shop shot show shut sick side sift sigh sign silk sill
silo sing sink site size skid skim skin skip slab slam slap sled slew slid slim slip slit slot slow slug slum
smog snap snow soak soap soar sock soda sofa soft soil sold sole some song soon soot sore sort soul soup sour
span spar spec sped spin spit spot spur stab stag star stay stem step stew stir stop stub stud such suck suit
sulk sung sunk sure surf swan swap sway swim
tack tact tail take tale talk tall tame tank tape tart task taxi team tear tech tell tend tent term test text
than that them then they thin this thus tick tide tidy tier tile till tilt time tint tiny tire toad told toll
tomb tone took tool tops tore torn toss tour town trap tray tree trek trim trio trip trot true tube tuck tuna
tune turf turn tusk twig twin type
ugly undo unit upon urge used user
vain vale vane vary vase vast veil vein vent verb very vest veto vial vibe vice view vile vine visa void vole
volt vote
wade wage wail wait wake walk wall wand want ward warm warn warp wart wary wash wasp wave wavy weak wean wear
weed week weep weld well went were west what when whim whip whom wide wife wild will wilt wily wind wine wing
wink wipe wire wise wish with wolf womb wood wool word wore work worm worn wrap wren
yard yarn yawn year yell yoga yoke your
zeal zero zone zoom
about above abuse actor acute adapt admit adopt adult after again agent agree ahead alarm album alert alien
align alike alive allow alone along alter amber amend among ample angel anger angle angry ankle apart apple
apply arena argue arise armor array arrow aside asset audio audit avoid awake award aware awful
badge badly baker basic basin basis batch beach beard beast begin being below bench berry birth black blade
blame bland blank blast blaze bleak blend bless blind blink bliss block bloom blown blues bluff blunt board
boast bonus boost booth bound brain brake brand brass brave bread break breed brick bride brief bring brink
broad broke brook broom brown brush build built bunch burst buyer
cabin cable camel canal candy canon cargo carry carve catch cause cease chain chair chalk champ chant chaos
charm chart chase cheap cheat check cheek cheer chess chest chick chief child chill china choir chord chose
chunk cider cigar civic civil claim clash class clean clear clerk click cliff climb cling clock clone close
cloth cloud clown coach coast cocoa colon color comet comic coral couch cough could count court cover crack
craft crane crash crate crawl crazy cream creek crest crime crisp cross crowd crown crude cruel crush crust
cubic curve cycle
daily dairy daisy dance dated dealt death debug debut decay decor decoy delay delta dense depth derby devil
diary digit diner dirty ditch diver dizzy dodge doing donor doubt dough dozen draft drain drake drama drank
drape drawn dread dream dress dried drift drill drink drive drone drove drown dryer dwell dying
eager eagle early earth easel eaten eater eerie eight elbow elder elect elite empty enemy enjoy enter entry
equal equip erase error erupt essay evade event every exact exile exist extra
fable facet faint fairy faith false fancy fatal fault feast fence ferry fetch fever fiber field fiery fifth
fifty fight final first flair flake flame flank flare flash flask fleet flesh flick fling float flock flood
floor flora flour fluid flush flute focal focus foggy force forge forth forty forum found frame frank fraud
fresh front frost froze fruit fudge fully funny
gauge gavel giant given gland glare glass glide globe gloom glory gloss glove goose gorge grace grade grain
grand grant grape graph grasp grass grave gravy graze great greed green greet grief grill grind groan groom
gross group grove growl grown guard guess guest guide guild guilt guise gusto
habit happy hardy harsh haste hatch haunt haven heart heavy hedge hefty heist hello hence herbs hinge hippo
hobby hoist holly honey honor horde horse hotel hound house hover human humid humor hurry husky
ideal image imply index inner input issue ivory
jelly jewel joint joker jolly judge juice juicy jumbo
kayak knack knead knife knock known
label labor laser latch later laugh layer learn lease least leave ledge legal lemon level lever light limit
linen liner liver llama lobby local lodge logic loose lorry lover lower loyal lucky lunar lunch
magic major maker mango manor maple march marry marsh match maybe mayor medal media melon mercy merge merit
merry metal meter midst might mimic minor minus mirth model moist money month moral motor motto mound mount
mourn mouse mouth movie muddy mural music
naive nasty naval nerve never newer night ninja noble noise north notch novel nudge nurse nylon
oasis occur ocean offer often olive onion onset opera orbit order organ other otter ought ounce outer owner
oxide
paint panel panic paper party pasta paste patch pause peace peach pearl pedal penny perch peril petal phase
phone photo piano piece pilot pinch pitch pivot pixel pizza place plain plane plant plate plaza plead pluck
plumb plume plump plunk point poise poker polar porch pouch pound power prank press price pride prime print
prior prism prize probe prone proof prose proud prove prowl proxy prune pulse punch pupil puppy purse
quack quart queen query quest queue quick quiet quilt quirk quota quote
radar radio rainy raise rally ranch range rapid ratio raven reach react ready realm rebel recap refer reign
relax relay relic remix renew reply rider ridge rifle right rigid rinse risky rival river roast robin robot
rocky rogue roman roost rough round route rover royal rugby ruler rumor rural rusty
sadly saint salad salon salty sauce scale scalp scare scarf scene scent scoop scope score scout scrap screw
scrub seize sense serve setup seven shade shaft shake shall shame shape share shark sharp shave shawl sheep
sheet shelf shell shift shine shiny shirt shock shore short shout shove shown shrub shrug sight sigma silly
since siren sixty skate skill skirt skull slate sleek sleep slice slide slope sloth small smart smash smell
smile smoke snack snake sneak solar solid solve sorry sound south space spade spare spark speak spear speed
spell spend spent spice spike spill spine spite split spoke spoon sport spout spray squad stack staff stage
stain stair stake stale stalk stall stamp stand stare stark start stash state stays steak steal steam steel
steep steer stern stick stiff still sting stock stone stood stool storm story stove strap straw stray strip
stuck study stuff stump style sugar suite sunny super surge swamp swarm swear sweat sweep sweet swell swift
swing sword
table taken taste teach tease teeth tempo tenth terms thank theft their theme there these thick thief thigh
thing think third thorn those three threw throw thumb tiger tight timer tired title toast today token tooth
topic torch total touch tough towel tower toxic trace track trade trail train trait tramp trash tread treat
trend trial tribe trick tried troop trout truck truly trunk trust truth tulip tumor tutor twice twist
ultra uncle under union unite unity until upper upset urban usage usual
vague valid value valve vapor vault venue verse video vigor villa vinyl viola viral virus visit vital vivid
vocal vodka voice voter
wagon waist waste watch water weary weave wedge weird whale wheat wheel where which while whirl white whole
whose widen widow width wield windy witch woman women world worry worse worst worth would wound woven wrath
wreck wrist write wrong wrote
yacht yearn yeast yield young youth
zebra
access action active actual advice affair afford agency agenda almost always amount animal annual answer
anyone appeal appear arrive artist aspect assist assume attack attend august author avenue
backed backup ballot banana banner barely barrel basket battle beauty become before behalf behave behind
belief belong beside better beyond bishop bitter blanket border borrow bother bottle bottom bounce branch
breath breeze bridge bright broken bronze bubble bucket budget buffer bullet bundle burden bureau butter
button
camera campus cancel cancer candle canvas carbon career carpet carrot castle casual cattle caught center
chance change chapel charge cheese cherry choice chorus chosen church circle client clinic closed closet
coffee collar colony column combat comedy commit common cookie copper corner costly cotton county couple
course cousin create credit crisis critic cruise custom
damage dancer danger debate decade decide defeat defend define degree demand dental depend deploy deputy
desert design desire detail detect device dinner direct divide doctor dollar domain donkey double dragon
drawer driver during
easily eating editor effect effort eighth either eleven emerge empire employ enable ending energy engage
engine enough ensure entire entity equity escape estate ethics evolve exceed except excess expand expect
expert export expose extend extent
fabric facing factor fairly family famous farmer father fellow female figure filter finger finish fiscal
flavor flight flower folder follow forest forget formal format former foster fourth freeze friend frozen
future
galaxy gallon garage garden garlic gather gender gentle ginger global golden govern growth guitar
hammer handle happen harbor hardly health heaven height helmet hidden hockey holder honest horror hunger
hunter
ignore impact import income indeed infant inform injury inside insist intend invest island itself
jacket jersey jockey joined jungle junior
kernel kidney killer kitten knight
ladder lately latter launch lawyer leader league leaves legacy legend length lesson letter liquid listen
little lively living locate lonely lovely lumber
magnet mainly manage manner marble margin marine market master matter meadow medium member memory mental
merely method middle minute mirror mobile modern modest moment monkey mostly mother motion muscle museum
mutual myself
narrow nation nature nearby nearly needle nickel nobody normal notice number
object obtain office online oppose option orange origin output oxygen
packet palace parade parent parrot patent patrol peanut pencil people pepper period permit person pickle
pillow planet plasma player pledge plenty pocket poetry police policy polish potato powder prefer pretty
priest prince prison profit prompt proper public puzzle
rabbit racing random rarely rather rating reader really reason recall recent recipe record reduce reform
refuse regard region relate relief remain remedy remind remote remove repair repeat report rescue resort
result retail retain return reveal review reward rhythm ribbon riding rocket rubber ruling runner
saddle safety salary salmon sample saving scheme school scream screen script search season second secret
sector secure select senior series settle shadow shield shower signal silent silver simple singer single
sister sketch slight slowly smooth soccer social socket sodium soften source speech sphere spider spirit
spread spring square stable statue status steady stream street stress strict strike string stroke strong
studio submit sudden suffer summer summit supply surely survey switch symbol system
tablet talent target temple tender tennis thirty thread threat throat ticket timber tissue toilet tomato
tongue toward travel treaty tribal troops tunnel turkey twelve twenty
unique unless unlike update useful
valley vendor versus vessel victim viewer vision visual volume voyage
walnut wander warmth wealth weapon weekly weight window winner winter wisdom within wonder wooden worker
writer
yellow
bon meh moe nah yep yup lol omg wow
"""

COMMON_WORDS: frozenset[str] = frozenset(_TEXT.split())
