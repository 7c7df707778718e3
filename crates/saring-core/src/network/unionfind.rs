//! A disjoint-set forest (union-find) over dense `u32` indices: union by size and path
//! halving, so a sequence of `n` operations costs almost `O(n)`.
//!
//! The linker keeps one node per account (or per item without an account) and joins two
//! nodes whenever a link between them is found; the sets are the networks.

/// Disjoint sets of the indices `0..len()`.
#[derive(Debug, Clone, Default)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// An empty forest.
    pub fn new() -> Self {
        UnionFind::default()
    }

    /// How many elements there are.
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// True when there is no element.
    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    /// Adds a new element in a set of its own and returns its index.
    ///
    /// # Panics
    ///
    /// When there are already `u32::MAX` elements.
    pub fn add(&mut self) -> u32 {
        let i = u32::try_from(self.parent.len())
            .expect("fewer than 2^32 nodes: the linker refuses more before adding");
        self.parent.push(i);
        self.size.push(1);
        i
    }

    /// The representative of `x`'s set.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grandparent = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grandparent;
            x = grandparent;
        }
        x
    }

    /// The representative of `x`'s set, without compressing paths (for `&self` callers).
    pub fn find_const(&self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            x = self.parent[x as usize];
        }
        x
    }

    /// Joins the sets of `a` and `b`; returns false when they were one set already.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (big, small) = if self.size[ra as usize] >= self.size[rb as usize] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
        true
    }

    /// The size of `x`'s set.
    pub fn set_size(&mut self, x: u32) -> u32 {
        let r = self.find(x);
        self.size[r as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unions_make_sets() {
        let mut uf = UnionFind::new();
        let n: Vec<u32> = (0..6).map(|_| uf.add()).collect();
        assert!(uf.union(n[0], n[1]));
        assert!(uf.union(n[2], n[3]));
        assert!(!uf.union(n[1], n[0]));
        assert!(uf.union(n[1], n[3]));
        assert_eq!(uf.find(n[0]), uf.find(n[2]));
        assert_ne!(uf.find(n[0]), uf.find(n[4]));
        assert_eq!(uf.set_size(n[3]), 4);
        assert_eq!(uf.set_size(n[5]), 1);
        assert_eq!(uf.find_const(n[2]), uf.find(n[2]));
        assert_eq!(uf.len(), 6);
    }

    #[test]
    fn long_chains_stay_shallow() {
        let mut uf = UnionFind::new();
        let n: Vec<u32> = (0..10_000).map(|_| uf.add()).collect();
        for w in n.windows(2) {
            uf.union(w[0], w[1]);
        }
        let r = uf.find(n[0]);
        assert!(n.iter().all(|&x| uf.find(x) == r));
    }
}
