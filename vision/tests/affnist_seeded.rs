//! The affNIST-style generator is a function of its seed: the same seed gives the same images
//! and maps, another seed other ones. Alone in its binary (seeded comparisons).

use deepfield_core::testing::max_abs_diff;
use deepfield_core::Rng;
use deepfield_vision::data::affnist::{generate, AffnistRecipe};
use deepfield_vision::data::mnist::{load_default, Dataset, Split};

#[test]
fn the_same_seed_gives_the_same_test_set() {
    let x = load_default(Dataset::Mnist, Split::Test)
        .unwrap()
        .images
        .narrow(0, 0, 64);
    let r = AffnistRecipe::default();
    let a = generate(&x, &r, &mut Rng::new(2013)).unwrap();
    let b = generate(&x, &r, &mut Rng::new(2013)).unwrap();
    let c = generate(&x, &r, &mut Rng::new(2014)).unwrap();
    assert_eq!(a.maps, b.maps);
    assert_eq!(max_abs_diff(&a.images, &b.images), 0.0);
    assert_ne!(a.maps, c.maps);
    assert!(max_abs_diff(&a.images, &c.images) > 0.5);
}
