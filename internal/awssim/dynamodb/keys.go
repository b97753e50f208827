package dynamodb

import (
	"github.com/towervend/towervend/internal/awssim/protocol"
	"slices"
)

// Primary keys: checking them against the key schema as AWS does, and the
// items they address.

const invalidParams = "One or more parameter values were invalid: "

// checkItemKey checks the key attributes of a whole item (PutItem's Item).
func (t *Table) checkItemKey(it Item) *protocol.APIError {
	for _, k := range t.KeySchema {
		v, ok := it[k.AttributeName]
		if !ok {
			return validation(invalidParams+"Missing the key %s in the item", k.AttributeName)
		}
		if want := t.attrType(k.AttributeName); v.t != want {
			return validation(invalidParams+"Type mismatch for key %s expected: %s actual: %s", k.AttributeName, want, v.t)
		}
		if aerr := checkKeyValue(k, v); aerr != nil {
			return aerr
		}
	}
	return nil
}

// checkKey checks a Key parameter: exactly the key schema's attributes, of
// their types. Its numbers are made canonical.
func (t *Table) checkKey(key Item) *protocol.APIError {
	if msg := normalizeItem(key); msg != "" {
		return validation("%s", msg)
	}
	mismatch := validation("The provided key element does not match the schema")
	if len(key) != len(t.KeySchema) {
		return mismatch
	}
	for _, k := range t.KeySchema {
		v, ok := key[k.AttributeName]
		if !ok || v.t != t.attrType(k.AttributeName) {
			return mismatch
		}
		if aerr := checkKeyValue(k, v); aerr != nil {
			return aerr
		}
	}
	return nil
}

// checkKeyValue refuses an empty key value and one past the key size limits.
func checkKeyValue(k KeyElement, v Value) *protocol.APIError {
	if v.s == "" && v.t != typeN {
		kind := "string"
		if v.t == typeB {
			kind = "binary"
		}
		return validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", kind, k.AttributeName)
	}
	if k.KeyType == "HASH" && v.size() > maxPartitionKey {
		return validation(invalidParams+"Size of hashkey has exceeded the maximum size limit of%d bytes", maxPartitionKey)
	}
	if k.KeyType == "RANGE" && v.size() > maxSortKey {
		return validation(invalidParams+"Aggregated size of all range keys has exceeded the size limit of %d bytes", maxSortKey)
	}
	return nil
}

// keyOf is the key attributes of an item.
func (t *Table) keyOf(it Item) Item {
	key := Item{t.hashKey(): it[t.hashKey()]}
	if rk := t.rangeKey(); rk != "" {
		key[rk] = it[rk]
	}
	return key
}

// position is where an item with this key is kept in Items.
func (t *Table) position(key Item) (partition, sort string) {
	partition = keyText(key[t.hashKey()])
	if rk := t.rangeKey(); rk != "" {
		sort = keyText(key[rk])
	}
	return partition, sort
}

// get returns the item with this key, nil if there is none.
func (t *Table) get(key Item) Item {
	p, s := t.position(key)
	return t.Items[p][s]
}

// put stores an item, replacing the one with its key.
func (t *Table) put(it Item) {
	p, s := t.position(it)
	if t.Items[p] == nil {
		t.Items[p] = map[string]Item{}
	}
	_, had := t.Items[p][s]
	t.Items[p][s] = it
	if keys, ok := t.order[p]; ok && !had {
		i := t.orderIndex(p, keys, it)
		t.order[p] = slices.Insert(keys, i, s)
	}
}

// remove deletes the item with this key, if there is one.
func (t *Table) remove(key Item) {
	p, s := t.position(key)
	it, had := t.Items[p][s]
	if keys, ok := t.order[p]; ok && had {
		if i := t.orderIndex(p, keys, it); i < len(keys) && keys[i] == s {
			t.order[p] = slices.Delete(keys, i, i+1)
		} else {
			delete(t.order, p) // cannot happen; rebuilt by the next query
		}
	}
	delete(t.Items[p], s)
	if len(t.Items[p]) == 0 {
		delete(t.Items, p)
		delete(t.order, p)
	}
}

// orderIndex is where an item goes in its partition's sort order: the first
// key not before it.
func (t *Table) orderIndex(p string, keys []string, it Item) int {
	rk := t.rangeKey()
	if rk == "" {
		return 0
	}
	i, _ := slices.BinarySearchFunc(keys, it[rk], func(k string, v Value) int {
		n, _ := compare(t.Items[p][k][rk], v)
		return n
	})
	return i
}

// ordered returns a partition's items in sort-key order.
func (t *Table) ordered(p string) []Item {
	keys, ok := t.order[p]
	if !ok {
		rk := t.rangeKey()
		keys = make([]string, 0, len(t.Items[p]))
		for k := range t.Items[p] {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int {
			n, _ := compare(t.Items[p][a][rk], t.Items[p][b][rk])
			return n
		})
		if len(keys) > 0 {
			if t.order == nil {
				t.order = map[string][]string{}
			}
			t.order[p] = keys
		}
	}
	out := make([]Item, len(keys))
	for i, k := range keys {
		out[i] = t.Items[p][k]
	}
	return out
}
