// The 256 words class codes are made of: common, 3–7 letters, one spelling in US and UK English, no homophones
// (no pair/pear, no kernel/colonel), no two that sound alike (no amber/ember, no angle/ankle). Data only.

export const CODE_WORDS = [
  'acorn', 'actor', 'agent', 'album', 'amber', 'anchor', 'angle', 'apple', 'apron', 'arrow', 'atlas', 'attic',
  'badge', 'bagel', 'baker', 'bamboo', 'banjo', 'barrel', 'basket', 'beacon', 'beaver', 'beetle', 'bench', 'bison',
  'bobcat', 'bottle', 'bucket', 'bugle', 'button', 'cabin', 'cactus', 'camel', 'camera', 'candle', 'canoe', 'canyon',
  'carbon', 'carpet', 'cashew', 'castle', 'cedar', 'cherry', 'chess', 'cider', 'circle', 'cliff', 'clock', 'cloud',
  'clover', 'cobalt', 'cobra', 'coconut', 'comet', 'copper', 'coral', 'cotton', 'cougar', 'cowboy', 'coyote',
  'crane', 'crayon', 'cricket', 'crown', 'crystal', 'cupcake', 'dagger', 'daisy', 'dancer', 'delta', 'denim',
  'desert', 'diamond', 'dinner', 'doctor', 'dolphin', 'donkey', 'dragon', 'drum', 'eagle', 'easel', 'echo', 'elbow',
  'engine', 'falcon', 'feather', 'fern', 'ferry', 'fiddle', 'finger', 'forest', 'fossil', 'fox', 'frog', 'galaxy',
  'garden', 'garlic', 'gecko', 'giant', 'ginger', 'glacier', 'globe', 'goblin', 'gopher', 'grape', 'gravel',
  'guitar', 'hammer', 'hazel', 'helmet', 'hermit', 'hippo', 'honey', 'hornet', 'hotel', 'husky', 'igloo', 'island',
  'ivory', 'jacket', 'jaguar', 'jelly', 'jersey', 'jigsaw', 'jungle', 'kayak', 'kettle', 'kitten', 'kiwi', 'koala',
  'ladder', 'lagoon', 'lantern', 'laptop', 'lemon', 'lemur', 'lentil', 'lizard', 'lobster', 'locket', 'lotus',
  'magnet', 'mango', 'maple', 'marble', 'meadow', 'melon', 'meteor', 'mirror', 'mitten', 'monkey', 'moose', 'mosaic',
  'muffin', 'museum', 'nectar', 'needle', 'noodle', 'nugget', 'oasis', 'ocean', 'olive', 'onion', 'orbit', 'orchid',
  'ostrich', 'otter', 'oyster', 'paddle', 'palace', 'panda', 'panther', 'parrot', 'pasta', 'peanut', 'pebble',
  'pelican', 'pepper', 'piano', 'pickle', 'pigeon', 'pillow', 'pilot', 'pirate', 'planet', 'pocket', 'poppy',
  'potato', 'prism', 'puffin', 'pumpkin', 'puppet', 'puzzle', 'quartz', 'quill', 'rabbit', 'radar', 'radish',
  'raven', 'ribbon', 'river', 'robot', 'rocket', 'saddle', 'salmon', 'sandal', 'saturn', 'scarf', 'shadow', 'shovel',
  'shrimp', 'silver', 'skate', 'sketch', 'sled', 'spider', 'spoon', 'squid', 'stamp', 'statue', 'summit', 'sunset',
  'swan', 'tablet', 'tango', 'teapot', 'temple', 'tennis', 'thunder', 'ticket', 'tiger', 'timber', 'toast', 'tomato',
  'tractor', 'trumpet', 'tulip', 'tunnel', 'turtle', 'tuxedo', 'unicorn', 'valley', 'velvet', 'violin', 'volcano',
  'waffle', 'wagon', 'walnut', 'walrus', 'whistle', 'willow', 'window', 'winter', 'wizard', 'yeti', 'zebra',
  'zipper',
] as const;
