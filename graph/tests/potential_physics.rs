//! SchNet and the directional model in float64: forces equal −∂E/∂x by central finite
//! differences; energies are invariant to rotation, translation and the exchange of two atoms
//! of the same element (forces rotate with the molecule); batching changes nothing; periodic
//! images are seen through the cell.

use std::collections::BTreeMap;

use deepfield_core::models::ModelConfig;
use deepfield_core::tch::{nn::VarStore, Device, Kind};
use deepfield_graph::molecule::{Frame, MoleculeBatch, ReferenceEnergies, Structure};
use deepfield_graph::potential::gemnet::GemNetConfig;
use deepfield_graph::potential::schnet::SchNetConfig;
use deepfield_graph::potential::{energy_and_forces, Potential, PotentialSetup};

fn setup() -> PotentialSetup {
    PotentialSetup {
        cutoff: 4.0,
        energy_shift: -0.3,
        energy_scale: 1.3,
        reference: ReferenceEnergies(BTreeMap::from([(1, -13.6), (6, -1025.3), (8, -2035.6)])),
        ..Default::default()
    }
}

/// An ethanol-like geometry (C C O H×6, Å).
fn molecule() -> Frame {
    let positions = vec![
        [0.0, 0.0, 0.0],
        [1.52, 0.05, -0.02],
        [2.05, 1.31, 0.11],
        [-0.38, -1.02, 0.09],
        [-0.37, 0.55, 0.87],
        [-0.41, 0.47, -0.91],
        [1.88, -0.51, 0.86],
        [1.9, -0.45, -0.93],
        [3.01, 1.27, 0.03],
    ];
    Frame {
        numbers: vec![6, 6, 8, 1, 1, 1, 1, 1, 1],
        positions,
        forces: None,
        energy: None,
        cell: None,
        pbc: [false; 3],
        info: BTreeMap::new(),
    }
}

fn eval(model: &dyn Potential, frames: &[Frame]) -> (Vec<f64>, Vec<f64>) {
    let s: Vec<Structure> = frames
        .iter()
        .map(|f| {
            Structure::new(
                f.clone(),
                model.setup().cutoff,
                model.needs_triplets(),
                &model.setup().reference,
            )
            .unwrap()
        })
        .collect();
    let refs: Vec<&Structure> = s.iter().collect();
    let b = MoleculeBatch::new(&refs, Kind::Double, Device::Cpu).unwrap();
    let (e, f) = energy_and_forces(model, &b, false).unwrap();
    (
        Vec::<f64>::try_from(e.detach()).unwrap(),
        Vec::<f64>::try_from(f.detach().view([-1])).unwrap(),
    )
}

fn models() -> Vec<(&'static str, VarStore, Box<dyn Potential>)> {
    deepfield_core::device::seed(7);
    let mut out: Vec<(&'static str, VarStore, Box<dyn Potential>)> = Vec::new();
    let mut vs = VarStore::new(Device::Cpu);
    let c = SchNetConfig {
        features: 16,
        interactions: 2,
        gaussians: 20,
        setup: setup(),
    };
    let m = c.build(&vs.root()).unwrap();
    vs.double();
    out.push(("schnet", vs, Box::new(m)));
    let mut vs = VarStore::new(Device::Cpu);
    let c = GemNetConfig {
        atom_features: 16,
        edge_features: 16,
        triplet_features: 8,
        blocks: 2,
        setup: setup(),
        ..Default::default()
    };
    let m = c.build(&vs.root()).unwrap();
    vs.double();
    out.push(("gemnet", vs, Box::new(m)));
    out
}

fn rotate(p: [f64; 3], r: &[[f64; 3]; 3]) -> [f64; 3] {
    [0, 1, 2].map(|i| r[i][0] * p[0] + r[i][1] * p[1] + r[i][2] * p[2])
}

/// A rotation from Euler angles.
fn rotation(a: f64, b: f64, c: f64) -> [[f64; 3]; 3] {
    let rz = |t: f64| {
        [
            [t.cos(), -t.sin(), 0.0],
            [t.sin(), t.cos(), 0.0],
            [0.0, 0.0, 1.0],
        ]
    };
    let ry = |t: f64| {
        [
            [t.cos(), 0.0, t.sin()],
            [0.0, 1.0, 0.0],
            [-t.sin(), 0.0, t.cos()],
        ]
    };
    let mul = |x: [[f64; 3]; 3], y: [[f64; 3]; 3]| {
        let mut m = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] = (0..3).map(|k| x[i][k] * y[k][j]).sum();
            }
        }
        m
    };
    mul(rz(a), mul(ry(b), rz(c)))
}

#[test]
fn forces_are_minus_the_energy_gradient() {
    for (name, _vs, model) in models() {
        let m = molecule();
        let (_, f) = eval(model.as_ref(), std::slice::from_ref(&m));
        let h = 1e-5;
        let mut worst = 0.0f64;
        for a in 0..m.len() {
            for d in 0..3 {
                let (mut p, mut q) = (m.clone(), m.clone());
                p.positions[a][d] += h;
                q.positions[a][d] -= h;
                let (ep, _) = eval(model.as_ref(), &[p]);
                let (eq, _) = eval(model.as_ref(), &[q]);
                let fd = -(ep[0] - eq[0]) / (2.0 * h);
                worst = worst.max((fd - f[3 * a + d]).abs());
            }
        }
        let scale = f.iter().fold(0.0f64, |s, x| s.max(x.abs()));
        assert!(
            scale > 1e-3,
            "{name}: forces are not trivially zero ({scale})"
        );
        assert!(
            worst < 1e-7 * scale.max(1.0),
            "{name}: |F − (−∂E/∂x)| up to {worst:e}"
        );
    }
}

#[test]
fn energies_are_invariant_and_forces_rotate() {
    let r = rotation(0.7, -1.1, 2.3);
    for (name, _vs, model) in models() {
        let m = molecule();
        let mut moved = m.clone();
        for p in moved.positions.iter_mut() {
            let q = rotate(*p, &r);
            *p = [q[0] + 3.1, q[1] - 7.2, q[2] + 0.4];
        }
        let mut swapped = m.clone();
        swapped.positions.swap(3, 7);
        swapped.positions.swap(4, 8);
        let (e, f) = eval(model.as_ref(), &[m.clone(), moved, swapped]);
        assert!(
            (e[0] - e[1]).abs() < 1e-9,
            "{name}: rotation+translation {} vs {}",
            e[0],
            e[1]
        );
        assert!(
            (e[0] - e[2]).abs() < 1e-9,
            "{name}: H exchange {} vs {}",
            e[0],
            e[2]
        );
        let n = m.len();
        for a in 0..n {
            let want = rotate([f[3 * a], f[3 * a + 1], f[3 * a + 2]], &r);
            for d in 0..3 {
                assert!(
                    (want[d] - f[3 * (n + a) + d]).abs() < 1e-9,
                    "{name}: force of atom {a} does not rotate"
                );
            }
        }
        // Batched with other structures, each energy is the one computed alone.
        let (alone, _) = eval(model.as_ref(), std::slice::from_ref(&m));
        assert!(
            (alone[0] - e[0]).abs() < 1e-10,
            "{name}: batching changed the energy"
        );
    }
}

#[test]
fn periodic_images_are_used() {
    for (name, _vs, model) in models() {
        // Two atoms in a 3 Å cubic cell: moving one by a lattice vector changes nothing,
        // while the same structure without periodicity has another energy.
        let cell = [[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]];
        let f = Frame {
            numbers: vec![8, 1],
            positions: vec![[0.2, 0.1, 0.3], [1.1, 0.4, 0.2]],
            forces: None,
            energy: None,
            cell: Some(cell),
            pbc: [true; 3],
            info: BTreeMap::new(),
        };
        let mut g = f.clone();
        g.positions[1][0] += 3.0;
        let mut open = f.clone();
        open.pbc = [false; 3];
        let (e, _) = eval(model.as_ref(), &[f, g, open]);
        assert!((e[0] - e[1]).abs() < 1e-9, "{name}: {} vs {}", e[0], e[1]);
        assert!(
            (e[0] - e[2]).abs() > 1e-6,
            "{name}: periodic images made no difference"
        );
    }
}
