//! Images in, tensors out: IDX files (MNIST, Fashion-MNIST), image folders and lists.
